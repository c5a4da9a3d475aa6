import { clientText } from '../../core/redact.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { joinPath, walkObjects } from './walk.js';

/**
 * cloud_resource_exposed: an object of a cloud controller (AWS Controllers for Kubernetes, Crossplane
 * and its Upbound providers, Config Connector, Azure Service Operator) that opens the cloud
 * resource it makes to anyone, makes an identity an administrator, or takes away the protection
 * that keeps a delete from destroying data. These controllers act with the platform's cloud
 * identity, so a patch of a Bucket's policy in a team's namespace is the bucket policy's own change
 * in AWS, made with the everyday sign-in `prod-writes` asks (day 48: a stolen token opened an
 * invoices bucket to `*`, malware on an engineer's laptop opened a database's security group to
 * 0.0.0.0/0, and malware on the on-call's laptop set an RDS instance to be deleted without a final
 * snapshot before deleting its claim). What is read, by shape, wherever it sits in the body:
 *
 * - **a policy document** (an IAM, bucket, key or trust policy: a JSON string, as ACK and Upbound
 *   keep `policy` and `assumeRolePolicyDocument`, or an object with a `Statement`): an `Allow`
 *   statement without a `Condition` whose principal is anyone (`"*"`, `{"AWS": "*"}`, a list with
 *   `*`) or that names a `NotPrincipal`; or one that allows every action (`*`, `*:*`) on every
 *   resource (`*`). A statement with a `Condition` is not judged: a VPC endpoint or an
 *   organisation condition is how a `*` principal is narrowed, and stepgate does not evaluate one;
 * - **an administrator's managed policy** named anywhere (`arn:aws:iam::aws:policy/AdministratorAccess`,
 *   `IAMFullAccess`), and Google's basic roles (`roles/owner`, `roles/editor`) as a `role`;
 * - **a public member**: `allUsers` or `allAuthenticatedUsers` as a `member` or in `members`;
 * - **an ingress open to the internet**: `0.0.0.0/0` or `::/0` in an ACK security group's
 *   `ingressRules`, an Upbound SecurityGroup's `ingress`, a SecurityGroupIngressRule's
 *   `cidrIpv4`/`cidrIpv6`, a SecurityGroupRule that is not `egress`, a Google firewall's
 *   `sourceRanges` (not `EGRESS`) or an Azure security rule's `sourceAddressPrefix` (`*`,
 *   `Internet`; not `Outbound`, not `Deny`), except a rule for port 80 or 443 alone (a public load
 *   balancer's: from and to the same one of those ports);
 * - **public access allowed on a bucket**: an S3 public access block with any of its four switches
 *   `false`, a canned ACL `public-read` or `public-read-write`, Azure's `allowBlobPublicAccess: true`;
 * - **deletion protection taken away, in a patch**: Crossplane's `deletionPolicy: Delete`,
 *   `skipFinalSnapshot: true`, `deletionProtection: false`, ACK's
 *   `services.k8s.aws/deletion-policy: delete` annotation. A create is left out (Delete is
 *   Crossplane's default, and a new object holds no data yet); a patch sets it on what exists.
 *
 * A site's own claims (`platform.example.io`) are not read: their fields mean what the site's
 * Compositions make of them, which stepgate does not see.
 */
export function isCloudControllerGroup(group: string): boolean {
  return (
    group.endsWith('.services.k8s.aws') ||
    group.endsWith('.upbound.io') ||
    group.endsWith('.cnrm.cloud.google.com') ||
    group.endsWith('.azure.com') ||
    (group.endsWith('.crossplane.io') && group !== 'pkg.crossplane.io')
  );
}

const OPEN_AZURE: ReadonlySet<string> = new Set(['*', 'internet', 'any']);
const ADMIN_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|IAMFullAccess)$/;
const BASIC_ROLES: ReadonlySet<string> = new Set(['roles/owner', 'roles/editor']);
const PUBLIC_MEMBERS: ReadonlySet<string> = new Set(['allUsers', 'allAuthenticatedUsers']);
const PUBLIC_ACLS: ReadonlySet<string> = new Set(['public-read', 'public-read-write', 'authenticated-read']);
/** S3's grantee groups for everyone and for every AWS account (a grant header's `uri=` or an ACL grantee's `uri`). */
const PUBLIC_GRANTEE = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/i;
const BLOCK_SWITCHES = ['blockPublicACLs', 'blockPublicAcls', 'blockPublicPolicy', 'ignorePublicACLs', 'ignorePublicAcls', 'restrictPublicBuckets'];
const WEB_PORTS: ReadonlySet<number> = new Set([80, 443]);

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const lower = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

/**
 * Whether a CIDR opens a share of the internet, however it is spelled: an IPv4 range of a /7 or
 * wider (0.0.0.0/0, its halves 0.0.0.0/1 and 128.0.0.0/1, 000.0.0.0/0; a site's 10.0.0.0/8 is not),
 * an IPv6 range of a /15 or wider outside the unique-local fc00::/7 and link-local fe80::/10
 * (::/0, 0::0/0, 2000::/3).
 */
export function isOpenRange(text: string): boolean {
  const m = /^\s*([0-9a-fA-F:.]+)\s*\/\s*0*(\d{1,3})\s*$/.exec(text);
  if (m === null) return false;
  const addr = m[1] ?? '';
  const prefix = Number(m[2]);
  if (addr.includes(':')) {
    if (prefix > 15) return false;
    const head = addr.startsWith(':') ? 0 : parseInt(addr.slice(0, addr.indexOf(':')), 16);
    if (Number.isNaN(head)) return false;
    return prefix < 7 || !((head & 0xfe00) === 0xfc00 || (head & 0xffc0) === 0xfe80);
  }
  if (!/^\d{1,3}(\.\d{1,3}){0,3}$/.test(addr)) return false;
  return prefix <= 7;
}

/** The statements of a policy document held as a string or as an object; none for anything else. */
function statementsOf(value: unknown): unknown[] | undefined {
  let doc: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text.startsWith('{') || !(text.includes('Statement') || text.includes('\\u'))) return undefined;
    try {
      doc = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (!isObject(doc) || doc.Statement === undefined) return undefined;
  return listOf(doc.Statement);
}

const anyone = (principal: unknown): boolean => {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  return Object.values(principal).some((v) => listOf(v).includes('*'));
};

/** Whether a statement's Condition narrows anything: `{}`, or operators that test no key, narrow nothing. */
const conditioned = (c: unknown): boolean => c !== undefined && c !== null && (!isObject(c) || Object.values(c).some((test) => !isObject(test) || Object.keys(test).length > 0));

/** What an Allow statement without a condition gives away, or ''. */
function statementExposure(st: unknown): string {
  if (!isObject(st) || lower(st.Effect) !== 'allow' || conditioned(st.Condition)) return '';
  if (st.NotPrincipal !== undefined) return 'allows everyone but the principals it names (NotPrincipal)';
  if (anyone(st.Principal)) return "allows anyone (principal '*')";
  const actions = listOf(st.Action);
  const everywhere = listOf(st.Resource).includes('*') || st.NotResource !== undefined;
  if (actions.some((a) => a === '*' || a === '*:*') && everywhere) return "allows every action on every resource (administrator)";
  if (st.NotAction !== undefined && everywhere) return 'allows every action but those it names (NotAction) on every resource';
  return '';
}

/** The ports a security rule opens, as a range; undefined when it names none (every port). */
function portsOf(rule: Json): [number, number] | undefined {
  const from = rule.fromPort ?? rule.from_port;
  const to = rule.toPort ?? rule.to_port ?? from;
  if (typeof from === 'number' && typeof to === 'number') return [from, to];
  return undefined;
}

const webOnly = (rule: Json): boolean => {
  const p = portsOf(rule);
  if (p !== undefined) return p[0] === p[1] && WEB_PORTS.has(p[0]) && lower(rule.ipProtocol ?? rule.protocol) !== '-1';
  // Google's firewall: allowed[].ports, each "443" or a range.
  const allowed = listOf(rule.allowed ?? rule.allow);
  if (allowed.length === 0) return false;
  return allowed.every((a) => isObject(a) && Array.isArray(a.ports) && a.ports.length > 0 && a.ports.every((x) => typeof x === 'string' && /^(80|443)$/.test(x)));
};

/** Whether a string anywhere under `node` is an open range. */
function namesOpenRange(node: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (typeof node === 'string') return isOpenRange(node);
  if (Array.isArray(node)) return node.some((x) => namesOpenRange(x, depth + 1));
  if (isObject(node)) return Object.values(node).some((x) => namesOpenRange(x, depth + 1));
  return false;
}

/**
 * `patch` is a write onto what exists: a patch that is not an apply judges every deletion switch; a
 * replace (`update`) judges all but `deletionPolicy: Delete` and `managementPolicies`, the defaults a
 * read-modify-write carries back whatever it changes.
 */
export function checkCloudExposure(doc: Json, prefix: string, resource: string, patch: boolean | 'update', ctx: RuleContext): void {
  const kind = typeof doc.kind === 'string' && doc.kind !== '' ? clientText(doc.kind, 63) ?? resource : resource;
  const seen = new Set<string>();
  const push = (what: string, path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    ctx.out.push({ code: 'cloud_resource_exposed', detail: `${kind} ${what}: its cloud controller makes it so in the cloud account, with the platform's own cloud identity`, path });
  };
  walkObjects(doc, prefix, (node, path, key) => {
    for (const [k, v] of Object.entries(node)) {
      const at = joinPath(path, k);
      // A policy document, as a string or an object.
      const statements = statementsOf(v);
      if (statements !== undefined) {
        for (const st of statements) {
          const why = statementExposure(st);
          if (why !== '') push(`has a policy statement that ${why}`, at);
        }
      }
      for (const s of listOf(v)) {
        if (typeof s !== 'string') continue;
        if (ADMIN_POLICY.test(s)) push(`is given the administrator's managed policy ${s.slice(s.lastIndexOf('/') + 1)}`, at);
        if ((k === 'member' || k === 'members') && PUBLIC_MEMBERS.has(s)) push(`is opened to ${s}`, at);
        const grantee = PUBLIC_GRANTEE.exec(s);
        if (grantee !== null) push(`grants S3 access to the ${grantee[1] ?? 'AllUsers'} group (everyone, or every AWS account)`, at);
      }
      if (k === 'role' && typeof v === 'string' && BASIC_ROLES.has(v)) push(`grants the basic role ${v} (owner or editor of the project)`, at);
      if ((k === 'acl' || k === 'cannedACL') && typeof v === 'string' && PUBLIC_ACLS.has(v)) push(`is given the public canned ACL ${v}`, at);
      if (k === 'allowBlobPublicAccess' && v === true) push('allows anonymous public access to its blobs', at);
      if (BLOCK_SWITCHES.includes(k) && v === false) push(`turns off the S3 public access block (${k}: false)`, at);
    }
    // Ingress open to the internet.
    const rules: [Json, string][] = [];
    for (const k of ['ingressRules', 'ingress']) for (const [i, r] of listOf(node[k]).entries()) if (isObject(r)) rules.push([r, `${joinPath(path, k)}[${i}]`]);
    if (resource === 'securitygroupingressrules' || (resource === 'securitygrouprules' && lower(node.type) !== 'egress')) {
      if (key === 'forProvider' || key === 'initProvider') rules.push([node, path]);
    }
    if ((resource === 'computefirewalls' || resource === 'firewalls') && (key === 'spec' || key === 'forProvider' || key === 'initProvider') && lower(node.direction) !== 'egress' && namesOpenRange(node.sourceRanges)) {
      if (!webOnly(node)) push('is opened to the internet (sourceRanges 0.0.0.0/0)', joinPath(path, 'sourceRanges'));
    }
    for (const field of ['sourceAddressPrefix', 'sourceAddressPrefixes']) {
      const open = listOf(node[field]).find((p) => typeof p === 'string' && (OPEN_AZURE.has(p.trim().toLowerCase()) || isOpenRange(p)));
      if (typeof open !== 'string' || lower(node.direction) === 'outbound' || lower(node.access) === 'deny') continue;
      const ports = [...listOf(node.destinationPortRange), ...listOf(node.destinationPortRanges)];
      const web = ports.length > 0 && ports.every((p) => p === '80' || p === '443');
      if (!web) push(`is opened to the internet (${field} ${clientText(open, 63) ?? ''})`, joinPath(path, field));
    }
    for (const [r, at] of rules) {
      const ranges = [r.ipRanges, r.ipv6Ranges, r.cidrIpv4, r.cidrIpv6, r.cidrBlocks, r.ipv6CidrBlocks, r.cidrIP, r.cidrIPv6];
      if (ranges.some((x) => namesOpenRange(x)) && !webOnly(r)) push('is opened to the internet (an ingress from 0.0.0.0/0 or ::/0)', at);
    }
    // Deletion protection taken away, in a patch of what exists.
    if (patch) {
      if (key === 'spec' && node.deletionPolicy === 'Delete' && patch !== 'update') push('is set to delete its cloud resource when deleted (deletionPolicy: Delete)', joinPath(path, 'deletionPolicy'));
      if (node.skipFinalSnapshot === true) push('is set to be deleted without a final snapshot (skipFinalSnapshot: true)', joinPath(path, 'skipFinalSnapshot'));
      if (node.deletionProtection === false) push('has its deletion protection turned off', joinPath(path, 'deletionProtection'));
      // Crossplane's management policies: '*' or 'Delete' lets a delete reach the cloud resource (an
      // object whose policies leave Delete out is orphaned on delete, as deletionPolicy: Orphan).
      if (key === 'spec' && patch !== 'update' && listOf(node.managementPolicies).some((p) => p === '*' || p === 'Delete')) push('is set to delete its cloud resource when deleted (managementPolicies with Delete)', joinPath(path, 'managementPolicies'));
      if (key === 'annotations' && lower(node['services.k8s.aws/deletion-policy']) === 'delete') push('is set to delete its AWS resource when deleted (services.k8s.aws/deletion-policy: delete)', joinPath(path, 'services.k8s.aws/deletion-policy'));
    }
  });
}
