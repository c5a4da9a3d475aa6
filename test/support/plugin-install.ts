import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/**
 * This package installed as npm installs it, for tests that run `stepgate` the way a user does
 * (kubectl's exec credential, `kubectl stepgate …`):
 *
 *   <dir>/node_modules/stepgate/          package.json, dist/ (what `npm run build` makes), node_modules → the repository's
 *   <dir>/node_modules/.bin/<name>        a relative symlink per package.json "bin", as npm makes them
 *
 * dist/ is each source file compiled on its own (TypeScript's transpileModule, as tsc emits it
 * but without the type check, which `npm run typecheck` does): seconds instead of tsc's minute on
 * a loaded machine. The build's other step, copying the sh front, is repeated from package.json's
 * build script, so a change there that this does not follow fails here.
 */

const ROOT = new URL('../../', import.meta.url).pathname;

export interface InstalledPlugin {
  /** The folder npm puts on PATH for a local install (node_modules/.bin). */
  bin: string;
  /** The installed package (node_modules/stepgate). */
  pkg: string;
}

function compile(src: string, out: string): void {
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    if (e.isDirectory()) {
      compile(from, join(out, e.name));
      continue;
    }
    const cts = e.name.endsWith('.cts');
    if (!cts && !e.name.endsWith('.ts')) continue;
    const js = ts.transpileModule(readFileSync(from, 'utf8'), {
      fileName: relative(ROOT, from),
      compilerOptions: { module: cts ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, e.name.replace(/\.cts$/, '.cjs').replace(/\.ts$/, '.js')), js);
  }
}

export function installPlugin(dir: string): InstalledPlugin {
  const pkgJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; scripts: { build: string } };
  const pkg = join(dir, 'node_modules', pkgJson.name);
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  compile(join(ROOT, 'src'), join(pkg, 'dist'));
  // The build's copy steps: `cp SRC DEST` after tsc.
  const copies = [...pkgJson.scripts.build.matchAll(/&& cp (\S+) (\S+)/g)];
  if (copies.length === 0) throw new Error(`package.json's build script copies nothing: ${pkgJson.scripts.build}`);
  for (const [, from, to] of copies) {
    mkdirSync(dirname(join(pkg, to!)), { recursive: true });
    copyFileSync(join(ROOT, from!), join(pkg, to!));
    chmodSync(join(pkg, to!), statSync(join(ROOT, from!)).mode & 0o777);
  }
  const bin = join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, target] of Object.entries(pkgJson.bin)) symlinkSync(join('..', pkgJson.name, target), join(bin, name));
  return { bin, pkg };
}
