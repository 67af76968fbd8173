#!/bin/sh
# rawconf's protocol probe: a raw-container program that does what its arguments say and
# reports what it received through its outputs, so a runtime judged only on its outputs is
# still judged on template rendering, input files and environment.
#
#   probe OUT STEP... [-- ARG...]
#
# OUT is the output directory. Each STEP is a word and its operands; `--` ends the steps
# (anything after it is only there to be reported by `argv`). Steps, in order:
#
#   argv                 output `argv`: every argument this program got (OUT and the steps
#                        included), each wrapped as `[arg]`, so the copilot's trim of
#                        " \n\t" cannot hide whitespace at either end
#   env NAME             append `[NAME=value]` (or `[NAME unset]`) to output `env`
#   env-prefix PREFIX    append `[NAME=value]` for every variable whose name starts with
#                        PREFIX, sorted by name, to output `env` (`[PREFIX* none]` if none)
#   when-attempt LIST    run the next step (with its operands) only when the attempt is in
#                        LIST (comma-separated numbers); the attempt is FLYTE_ATTEMPT_NUMBER,
#                        0 when unset — so a runtime that retries without setting it repeats
#                        attempt 0's behaviour
#   listing DIR          output `listing`: one line per entry under DIR, sorted:
#                        `d path` or `f path size sha256[0:16]`
#   file PATH NAME       output NAME: the exact bytes of PATH as `b64:<base64>` (≤ 700
#                        bytes, so the output stays under the 1024-byte cap) or
#                        `sha256:<hex> size:<n>`; a missing PATH is `missing`
#
# A file named `inputs.pb` is reported by its size only (`protobuf` instead of a hash, and
# `protobuf size:<n>` for `file`): the protocol fixes the LiteralMap it encodes, not its bytes
# (Go writes the map entries in random order; a NaN's payload is the decoder's choice), so the
# bytes must not decide a verdict. rawconf judges its content as a message through the record
# (docs/protocol.md R0.3-3).
#   put NAME FORMAT      write printf(FORMAT) to OUT/NAME (escapes such as \r \t \n \0ooo)
#   fill NAME COUNT      write COUNT bytes `x` to OUT/NAME
#   mkdir NAME           create the directory OUT/NAME (and its parents)
#   sleep SECONDS        sleep
#   exit CODE            exit with CODE now
#
# Any failure (e.g. OUT not writable) exits 3 with a message on stderr.
set -eu

fail() { echo "probe: $*" >&2; exit 3; }

[ $# -ge 1 ] || fail "usage: probe OUT STEP... [-- ARG...]"
out=$1
all_args=""
for a in "$@"; do all_args="$all_args[$a]"; done
shift

encode() { # encode PATH: the exact bytes, small enough for a simple output
    if [ -f "$1" ] && [ "${1##*/}" = inputs.pb ]; then
        printf 'protobuf size:%s' "$(wc -c < "$1")"
    elif [ -f "$1" ]; then
        size=$(wc -c < "$1")
        if [ "$size" -le 700 ]; then
            printf 'b64:%s' "$(base64 -w0 < "$1")"
        else
            printf 'sha256:%s size:%s' "$(sha256sum < "$1" | cut -c1-64)" "$size"
        fi
    elif [ -d "$1" ]; then
        printf 'directory'
    else
        printf 'missing'
    fi
}

arity() { # arity STEP: how many operands STEP takes
    case $1 in
        argv) echo 0 ;;
        env|env-prefix|listing|mkdir|sleep|exit|when-attempt) echo 1 ;;
        file|put|fill) echo 2 ;;
        *) fail "unknown step \`$1\`" ;;
    esac
}

while [ $# -gt 0 ]; do
    step=$1; shift
    case $step in
        when-attempt)
            [ $# -ge 2 ] || fail "when-attempt needs LIST and a step"
            list=$1; shift
            attempt=${FLYTE_ATTEMPT_NUMBER:-0}
            case ",$list," in
                *",$attempt,"*) ;;
                *)
                    n=$(arity "$1")
                    [ $# -gt "$n" ] || fail "step \`$1\` needs $n operand(s)"
                    shift $((n + 1)) ;;
            esac ;;
        env-prefix)
            [ $# -ge 1 ] || fail "env-prefix needs a PREFIX"
            found=$(env | LC_ALL=C sort | while IFS= read -r line; do
                case $line in "$1"*=*) printf '[%s]' "$line" ;; esac
            done)
            if [ -n "$found" ]; then
                printf '%s' "$found" >> "$out/env" || fail "cannot write $out/env"
            else
                printf '[%s* none]' "$1" >> "$out/env" || fail "cannot write $out/env"
            fi
            shift ;;
        --) break ;;
        argv) printf '%s' "$all_args" > "$out/argv" || fail "cannot write $out/argv" ;;
        env)
            [ $# -ge 1 ] || fail "env needs a NAME"
            if eval "[ \"\${$1+set}\" = set ]"; then
                eval "v=\$$1"
                printf '[%s=%s]' "$1" "$v" >> "$out/env" || fail "cannot write $out/env"
            else
                printf '[%s unset]' "$1" >> "$out/env" || fail "cannot write $out/env"
            fi
            shift ;;
        listing)
            [ $# -ge 1 ] || fail "listing needs a DIR"
            dir=$1; shift
            if [ -d "$dir" ]; then
                (cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
                    p=${p#./}
                    if [ -d "$p" ]; then
                        printf 'd %s\n' "$p"
                    elif [ "${p##*/}" = inputs.pb ]; then
                        printf 'f %s %s protobuf\n' "$p" "$(wc -c < "$p")"
                    else
                        printf 'f %s %s %s\n' "$p" "$(wc -c < "$p")" "$(sha256sum < "$p" | cut -c1-16)"
                    fi
                done) > "$out/listing" || fail "cannot write $out/listing"
            else
                printf 'no directory %s' "$dir" > "$out/listing" || fail "cannot write $out/listing"
            fi ;;
        file)
            [ $# -ge 2 ] || fail "file needs PATH NAME"
            encode "$1" > "$out/$2" || fail "cannot write $out/$2"
            shift 2 ;;
        put)
            [ $# -ge 2 ] || fail "put needs NAME FORMAT"
            # shellcheck disable=SC2059 # the format is the point
            printf -- "$2" > "$out/$1" || fail "cannot write $out/$1"
            shift 2 ;;
        fill)
            [ $# -ge 2 ] || fail "fill needs NAME COUNT"
            head -c "$2" /dev/zero | tr '\0' x > "$out/$1" || fail "cannot write $out/$1"
            shift 2 ;;
        mkdir)
            [ $# -ge 1 ] || fail "mkdir needs NAME"
            mkdir -p "$out/$1" || fail "cannot create $out/$1"
            shift ;;
        sleep)
            [ $# -ge 1 ] || fail "sleep needs SECONDS"
            sleep "$1"; shift ;;
        exit)
            [ $# -ge 1 ] || fail "exit needs CODE"
            exit "$1" ;;
        *) fail "unknown step \`$step\`" ;;
    esac
done
