#!/bin/sh
# The installed `stepgate` and `kubectl-stepgate` commands (package.json "bin").
#
# kubectl runs `stepgate credential ...` before each command, and nearly always a cached token is
# the answer. Node's own start-up is longer than the whole budget for that answer (issue 13: under
# 50 ms), so this POSIX sh script gives it from the file the plugin's TokenCache precomputes for
# it (src/credential/cache.cts, fastText), by the same rules as the Node cached path
# (cached.cts, answerFromCache): the same token, the same ExecCredential bytes, the same re-run
# marker. Whenever anything is not exactly as expected it declines: it runs the Node command with
# the same arguments, environment and standard streams (exec), which decides as before. Declining
# is always safe; that is why the checks below give up rather than guess.
#
# Plain POSIX sh (dash, bash --posix, zsh as sh). Outside utilities: date +%s, ls -nd, mv, and
# readlink when handing over to Node through a symlink (npm's node_modules/.bin/stepgate).
# `test -O` and `test -nt` are not in POSIX.1-2017 but every shell named above has them.

# The 20th field after the command name in /proc/<pid>/stat is field 22, the start time.
start_field() {
  start=${20-}
}

# A decimal integer, as JSON.stringify writes a safe integer.
integer() {
  case $1 in -*) set -- "${1#-}" ;; esac
  case $1 in '' | *[!0-9]*) return 1 ;; esac
}

# Prints the ExecCredential and exits when the cache answers; returns 1 to hand over to Node.
answer() {
  [ "${1-}" = credential ] || return 1
  shift
  # The options of cached.cts's parsePluginArgs (node:util parseArgs, strict): --name=value or
  # --name value, the last one counting, --acr repeatable, --device and --all without a value.
  # Anything parseArgs might read differently (a value starting with "-", "--", a short option,
  # a positional) declines.
  issuer= client= timeout= pending=
  for a in "$@"; do
    if [ -n "$pending" ]; then
      case $a in -*|'') return 1 ;; esac
      name=$pending value=$a pending=
    else
      case $a in
        --device|--all) continue ;;
        --issuer|--client-id|--stepgate|--scope|--acr|--browser|--timeout|--level|--context|--kubeconfig|--name)
          pending=${a#--}
          continue ;;
        --issuer=*|--client-id=*|--stepgate=*|--scope=*|--acr=*|--browser=*|--timeout=*|--level=*|--context=*|--kubeconfig=*|--name=*)
          name=${a%%=*} name=${name#--} value=${a#*=} ;;
        *) return 1 ;;
      esac
    fi
    case $name in
      issuer) issuer=$value ;;
      client-id) client=$value ;;
      timeout) timeout=$value ;;
      # credentialTarget: NAME=ACR with a non-empty name.
      acr) case $value in =*|'') return 1 ;; *=*) ;; *) return 1 ;; esac ;;
    esac
  done
  [ -z "$pending" ] && [ -n "$issuer" ] && [ -n "$client" ] || return 1
  # credentialTarget accepts any positive number; whole seconds are all this script vouches for.
  case $timeout in '') ;; *[!0-9]*) return 1 ;; *[1-9]*) ;; *) return 1 ;; esac

  # cacheDir: $XDG_CACHE_HOME/stepgate when absolute, else $HOME/.cache/stepgate. Node normalises
  # the path (path.join), the kernel resolves "." and ".." after symlinks: decline where they differ.
  case ${XDG_CACHE_HOME-} in
    /*) dir=$XDG_CACHE_HOME/stepgate ;;
    *) [ -n "${HOME-}" ] || return 1; dir=$HOME/.cache/stepgate ;;
  esac
  case /$dir/ in */./*|*/../*) return 1 ;; esac
  [ -d "$dir" ] && [ -O "$dir" ] || return 1

  # The file for this issuer and client: its second and third lines name them.
  fast=
  set +f
  for f in "$dir"/fast-*.txt; do
    [ -f "$f" ] || continue
    { IFS= read -r l1 && IFS= read -r l2 && IFS= read -r l3; } 2>/dev/null <"$f" || continue
    if [ "$l1" = 'stepgate-fast-path 1' ] && [ "$l2" = "issuer $issuer" ] && [ "$l3" = "client $client" ]; then
      fast=$f
      break
    fi
  done
  # Token files in the directory, as TokenCache counts them (an unmatched pattern stays itself).
  files=0
  for f in "$dir"/token-*.json; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    files=$((files + 1))
  done
  set -f
  [ -n "$fast" ] && [ ! -L "$fast" ] && [ -O "$fast" ] || return 1
  # The directory private (0700) and the file private (0600), as TokenCache makes them; a "+"
  # (an access list) declines, "." and "@" (a security context, extended attributes) do not.
  modes=$(LC_ALL=C ls -nd -- "$dir" "$fast" 2>/dev/null) || return 1
  n=0
  while IFS= read -r l; do
    n=$((n + 1))
    case $n:$l in
      '1:drwx------ '*|'1:drwx------. '*|'1:drwx------@ '*|'2:-rw------- '*|'2:-rw-------. '*|'2:-rw-------@ '*) ;;
      *) return 1 ;;
    esac
  done <<EOF
$modes
EOF
  [ "$n" = 2 ] || return 1

  # execInfo: the apiVersion kubectl asks for. client-go encodes kind, apiVersion, spec in that
  # order; a second "apiVersion" or a \u escape (a key spelled another way) could change what
  # JSON.parse reads, so those decline. cached.cts reads a malformed value's head the same way.
  case ${KUBERNETES_EXEC_INFO-} in
    '') api=client.authentication.k8s.io/v1 ;;
    '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":'*) api=client.authentication.k8s.io/v1 ;;
    '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":'*) api=client.authentication.k8s.io/v1beta1 ;;
    *) return 1 ;;
  esac
  case ${KUBERNETES_EXEC_INFO-} in *'\u'*|*'"apiVersion"'*'"apiVersion"'*) return 1 ;; esac

  # parentStart: which kubectl process this is. Without /proc, Node has only '' to go by, which
  # cannot tell a reused pid from the same kubectl; this script leaves that to Node.
  { IFS= read -r stat <"/proc/$PPID/stat"; } 2>/dev/null || return 1
  start=
  start_field ${stat##*')'}
  case $start in '' | *[!0-9]*) return 1 ;; esac

  now=$(date +%s) || return 1
  case $now in '' | *[!0-9]*) return 1 ;; esac

  # The file's sections in order: served, tokens, file..., hash..., token... (fastText). Every
  # line is checked before anything is served, so a file cut short or out of order declines.
  served= count= choice= chosen_hash= rerun= checked= phase=0
  {
    IFS= read -r l && IFS= read -r l && IFS= read -r l || return 1
    while IFS= read -r l; do
      case $l in
        'served '*)
          [ "$phase" = 0 ] || return 1
          phase=1
          served=${l#served }
          case $served in served-*.json) ;; *) return 1 ;; esac
          case $served in */*) return 1 ;; esac
          # refusedToken's marker: the kubectl process last served, as JSON.stringify wrote it.
          if [ -e "$dir/$served" ] || [ -L "$dir/$served" ]; then
            m=
            { IFS= read -r m <"$dir/$served"; } 2>/dev/null || [ -n "$m" ] || return 1
            case $m in '{"ppid":'*',"parent_start":"'*'","token_hash":"'*'","at":'*'}') ;; *) return 1 ;; esac
            r=${m#'{"ppid":'}
            mppid=${r%%,*}
            r=${r#*',"parent_start":"'}
            mstart=${r%%'"'*}
            r=${r#*'","token_hash":"'}
            mhash=${r%%'"'*}
            r=${r#*'","at":'}
            mat=${r%'}'}
            case $mppid in '' | *[!0-9]*) return 1 ;; esac
            case $mstart in *[!0-9]*) return 1 ;; esac
            case $mhash in '' | *[!A-Za-z0-9_-]*) return 1 ;; esac
            case $mat in '' | *[!0-9]*) return 1 ;; esac
            # The same kubectl (pid and start time) within RERUN_WINDOW_SECONDS (900).
            if [ "$mppid" = "$PPID" ] && [ "$mstart" = "$start" ] && [ $((now - mat)) -lt 900 ]; then rerun=$mhash; fi
          fi
          ;;
        'tokens '*)
          [ "$phase" = 1 ] || return 1
          phase=2
          count=${l#tokens }
          # Another number of token files: the cache changed without this file being rewritten.
          [ "$count" = "$files" ] || return 1
          ;;
        'file '*)
          [ "$phase" = 2 ] || return 1
          f=${l#file }
          case $f in token-*.json) ;; *) return 1 ;; esac
          case $f in */*) return 1 ;; esac
          # Each must still exist, and not have changed since this file was written.
          [ -f "$dir/$f" ] && [ ! "$dir/$f" -nt "$fast" ] || return 1
          ;;
        'hash '*)
          [ "$phase" = 2 ] || [ "$phase" = 3 ] || return 1
          phase=3
          r=${l#hash }
          h=${r%% *}
          lu=${r#* }
          integer "$lu" || return 1
          # The token that kubectl process was given, if still live, was refused (a 401): only
          # Node can ask stepgate why.
          if [ -n "$rerun" ] && [ -z "$checked" ] && [ "$h" = "$rerun" ]; then
            checked=1
            [ "$lu" -gt "$now" ] && return 1
          fi
          ;;
        'token '*)
          [ "$phase" = 3 ] || [ "$phase" = 4 ] || return 1
          phase=4
          r=${l#token }
          lu=${r%% *}
          r=${r#* }
          h=${r%% *}
          json=${r#* }
          integer "$lu" || return 1
          case $h in '' | *[!A-Za-z0-9_-]*) return 1 ;; esac
          case $json in '"kind":"ExecCredential","status":{"token":'*'}}') ;; *) return 1 ;; esac
          # best(): the first live token in preference order.
          if [ -z "$choice" ] && [ "$lu" -gt "$now" ]; then
            choice=$json
            chosen_hash=$h
          fi
          ;;
        *) return 1 ;;
      esac
    done
  } 2>/dev/null <"$fast"
  [ "$phase" = 4 ] || return 1
  [ -n "$choice" ] || return 1

  # serve(): the marker first, written as TokenCache writes it (0600, a temporary name, rename),
  # then the answer. Once the marker is in place the outcome is final: Node must not answer a
  # second time. (Should writing it fail, Node runs with this umask; it sets 0600 and 0700 on
  # what it writes anyway.)
  umask 077
  tmp=$dir/$served.$$.sh.tmp
  { printf '{"ppid":%s,"parent_start":"%s","token_hash":"%s","at":%s}' "$PPID" "$start" "$chosen_hash" "$now" >"$tmp"; } 2>/dev/null || return 1
  mv -f -- "$tmp" "$dir/$served" 2>/dev/null || { rm -f -- "$tmp"; return 1; }
  printf '{"apiVersion":"%s",%s\n' "$api" "$choice" || exit 1
  exit 0
}

set -f
answer "$@"

# Node: dist/stepgate.cjs beside this file's folder (dist/credential/), found through the
# symlinks npm makes (node_modules/.bin/stepgate -> ../stepgate/dist/credential/fast-path.sh).
self=$0
while [ -L "$self" ]; do
  link=$(readlink -- "$self") || break
  case $link in
    /*) self=$link ;;
    *) case $self in */*) self=${self%/*}/$link ;; *) self=$link ;; esac ;;
  esac
done
case $self in */*) here=${self%/*} ;; *) here=. ;; esac
exec node "$here/../stepgate.cjs" "$@"
