#!/usr/bin/env bash
# Build open-source Consul and Nomad from source fetched through the Go module
# proxy, and cache the binaries outside the repository, keyed by version.
#
# Usage: scripts/hashicorp-binaries.sh [consul|nomad|all]      (default: all)
#
# Environment:
#   CONSUL_VERSION     Consul release to build (default 1.13.9)
#   NOMAD_VERSION      Nomad release to build (default 1.6.1)
#   NOMAD_API_VERSION  github.com/hashicorp/nomad/api version to pair with it
#   NOMADBOX_CACHE     cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/nomadbox)
#
# stdout carries only CONSUL_BIN=/abs/path and/or NOMAD_BIN=/abs/path, so
#   eval "$(scripts/hashicorp-binaries.sh)"
# works; progress and build output go to stderr.
set -euo pipefail

log() { printf 'hashicorp-binaries: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,15s/^# \{0,1\}//p' "$0" >&2
}

target=${1:-all}
case $target in
consul | nomad | all) ;;
-h | --help)
	usage
	exit 0
	;;
*)
	usage
	die "unknown target '$target' (want consul, nomad or all)"
	;;
esac
[[ $# -le 1 ]] || die "expected at most one argument, got $#"

# Accept both "1.6.1" and "v1.6.1"; module versions need the "v", paths don't.
CONSUL_VERSION=${CONSUL_VERSION:-1.13.9}
CONSUL_VERSION=${CONSUL_VERSION#v}
NOMAD_VERSION=${NOMAD_VERSION:-1.6.1}
NOMAD_VERSION=${NOMAD_VERSION#v}

# Nomad's go.mod takes its api module from ./api via a local replace, which a
# module outside the Nomad repo cannot use, and the api version it names
# instead is older than the tree and does not compile with it. The api module
# has no release tags, so use the pseudo-version at the release's commit.
if [[ -z ${NOMAD_API_VERSION:-} ]]; then
	if [[ $NOMAD_VERSION == 1.6.1 ]]; then
		NOMAD_API_VERSION=v0.0.0-20230721134942-515895c7690c
	elif [[ $NOMAD_VERSION == 1.6.0 ]]; then
		# The release the upgrade test starts from (its tag is 87d411f4e3a6).
		NOMAD_API_VERSION=v0.0.0-20230718185111-87d411f4e3a6
	elif [[ $target != consul ]]; then
		die "set NOMAD_API_VERSION to the github.com/hashicorp/nomad/api pseudo-version at Nomad v$NOMAD_VERSION's commit"
	fi
fi

CACHE=${NOMADBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nomadbox}
mkdir -p "$CACHE/bin" "$CACHE/build"
CACHE=$(cd "$CACHE" && pwd -P) # callers get absolute paths

# A go.work in a parent directory must not pull the scratch modules into it.
export GOWORK=off

# Temp dirs to remove on exit, so an interrupted build leaves nothing behind.
cleanup_dirs=()
cleanup() {
	local d
	for d in "${cleanup_dirs[@]+"${cleanup_dirs[@]}"}"; do rm -rf "$d"; done
}
trap cleanup EXIT

# Print the replace directives of the go.mod file $1 as go mod edit -replace
# arguments (old[@v]=new@v). Local-path replacements (=> ./api) point into the
# upstream checkout and are skipped: those modules come from the proxy instead.
module_replaces() {
	go mod edit -print "$1" | awk '
		function emit(line,    sides, lhs, rhs, nl, nr) {
			sub(/\/\/.*/, "", line)
			if (split(line, sides, "=>") != 2) return
			nl = split(sides[1], lhs, " ")
			nr = split(sides[2], rhs, " ")
			if (nr != 2) return
			printf "%s%s=%s@%s\n", lhs[1], (nl == 2 ? "@" lhs[2] : ""), rhs[1], rhs[2]
		}
		$1 == "replace" && $2 == "(" { block = 1; next }
		block && $1 == ")" { block = 0; next }
		block { emit($0); next }
		$1 == "replace" { sub(/^[ \t]*replace[ \t]+/, ""); emit($0) }
	'
}

# Value of a top-level string field in `go list -m -json` output on stdin.
json_field() {
	sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -n 1
}

binary_works() {
	[[ -x $1 ]] && "$1" version >/dev/null 2>&1
}

# Run a build step with its output on stderr; fail with context.
step() {
	"$@" >&2 || die "'$*' failed in $PWD"
}

# build_binary NAME VERSION MODULE CGO TAGS LDFLAGS [EXTRA_MODULE@VERSION...]
# Sets BUILT_BIN to the cached binary's path.
build_binary() {
	local name=$1 version=$2 module=$3 cgo=$4 tags=$5 ldflags="-s -w $6"
	shift 6
	local bin=$CACHE/bin/$name-$version/$name
	local work=$CACHE/build/$name-$version
	BUILT_BIN=$bin

	if binary_works "$bin"; then
		log "cached: $bin"
		return
	fi

	# Serialize concurrent runs on the same scratch module; a binary built by
	# the run holding the lock is picked up by the re-check.
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$work.lock"
		flock 9
		if binary_works "$bin"; then
			exec 9>&-
			log "cached: $bin"
			return
		fi
	fi

	# Checked only now so that cached binaries work without a toolchain.
	command -v go >/dev/null 2>&1 ||
		die "'go' not found in PATH; install Go (https://go.dev/dl/) to build $name from source"
	if [[ $cgo == 1 ]]; then
		local cc
		cc=$(go env CC)
		command -v "${cc%% *}" >/dev/null 2>&1 ||
			die "building $name needs a C compiler ('$cc' not found); install gcc and the static C library (Debian: gcc libc6-dev)"
	fi

	log "building $name v$version from $module (a cold module cache takes several minutes)"
	local start=$SECONDS
	rm -rf "$work"
	mkdir -p "$work" "$CACHE/bin/$name-$version"
	cd "$work"

	# Build in a temp dir next to the destination so the final mv is an atomic
	# rename on the same filesystem: never a half-written binary in place.
	local tmp
	tmp=$(mktemp -d "$CACHE/bin/.$name-$version.XXXXXX")
	cleanup_dirs+=("$tmp")

	step go mod init "nomadbox.local/build/$name"

	# Upstream replace directives do not apply to dependents; repeat them so
	# the dependency graph matches the one the release was built with.
	local gomod r
	gomod=$(go mod download -json "$module@v$version" | json_field GoMod)
	[[ -n $gomod ]] || die "could not download $module@v$version"
	while IFS= read -r r; do
		log "replace $r"
		step go mod edit -replace="$r"
	done < <(module_replaces "$gomod")

	step go get "$module@v$version" "$@"

	# Stamp the version metadata the upstream Makefiles stamp, as far as the
	# proxy knows it (it does not always report the commit).
	local info commit date
	info=$(go list -m -json "$module@v$version") || die "go list -m $module@v$version failed"
	date=$(json_field Time <<<"$info")
	commit=$(json_field Hash <<<"$info")
	[[ -z $date ]] || ldflags+=" -X $module/version.BuildDate=$date"
	[[ -z $commit ]] || ldflags+=" -X $module/version.GitCommit=$commit"

	step env CGO_ENABLED="$cgo" go build -mod=mod -trimpath -tags "$tags" \
		-ldflags "$ldflags" -o "$tmp/$name" "$module"

	step "$tmp/$name" version
	mv -f "$tmp/$name" "$bin"
	exec 9>&-
	log "built $bin in $((SECONDS - start))s"
}

out=()
if [[ $target == consul || $target == all ]]; then
	# Before 1.13.9, Consul's golang.org/x/net and x/sys reach into the
	# runtime through linknames that current Go refuses ("invalid reference
	# to syscall.recvmsg"): take the ones 1.13.9 ships with.
	consul_extra=()
	case $CONSUL_VERSION in
	1.13.[0-8]) consul_extra=(golang.org/x/net@v0.7.0 golang.org/x/sys@v0.5.0) ;;
	esac
	# Like Consul's own release builds: pure Go, static, no build tags.
	build_binary consul "$CONSUL_VERSION" github.com/hashicorp/consul 0 "" "" "${consul_extra[@]+"${consul_extra[@]}"}"
	out+=("CONSUL_BIN=$BUILT_BIN")
fi
if [[ $target == nomad || $target == all ]]; then
	# Nomad needs cgo on Linux: the exec driver's runc nsenter package is C and
	# has no pure-Go fallback (CGO_ENABLED=0 fails to build). Link it statically
	# so the binary runs on any Linux node regardless of its libc; osusergo and
	# netgo keep glibc's NSS (which cannot be linked statically) out.
	# The other tags are the release ones: "ui" embeds the web UI,
	# "codegen_generated" uses the generated msgpack codecs and "release"
	# leaves out the mock test drivers.
	build_binary nomad "$NOMAD_VERSION" github.com/hashicorp/nomad 1 \
		"ui codegen_generated release osusergo netgo" "-linkmode external -extldflags -static" \
		"github.com/hashicorp/nomad/api@$NOMAD_API_VERSION"
	out+=("NOMAD_BIN=$BUILT_BIN")
fi
printf '%s\n' "${out[@]}"
