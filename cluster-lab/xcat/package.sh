#!/bin/bash
# Build xCAT's four management-node Debian packages from an unpacked xcat-core source tree the
# way xCAT's own build-ubunturepo does it, without its repository, signing and git steps.
# Runs INSIDE the build root that build-debs.sh prepares (debhelper, dpkg-dev, fakeroot and the
# Perl modules db2man loads); it needs nothing from the lab host.
#   package.sh SOURCE_DIR COMMIT OUTPUT_DIR
# Writes perl-xcat_V_all.deb, xcat-client_V_all.deb, xcat-server_V_all.deb and
# xcat_V_amd64.deb (V = the tree's Version file plus "-1", e.g. 2.19.0-1) into OUTPUT_DIR.
set -euo pipefail
src=$1 commit=$2 out=$3
cd "$src"
version=$(cat Version)-1

# build-ubunturepo: a reproducible date, the builder's identity, changelog version and date.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y Version)}
export SOURCE_DATE_EPOCH DEBEMAIL="xcat-build@xcat.org" DEBFULLNAME="xCAT Build"
changelog_date=$(date -R -d "@$SOURCE_DATE_EPOCH" --utc)
# perl-xCAT's debian/rules stamps Version.pm with ../Gitinfo (or `git log`, and this tree has
# no .git): build-ubunturepo's checkout would have answered git; we write Gitinfo instead.
echo "$commit" > Gitinfo

for package in perl-xCAT xCAT-client xCAT-server xCAT; do
    (
        cd "$package"
        sed -i "1s/(.*)/($version)/" debian/changelog
        sed -i "s/^ -- .*/ -- $DEBFULLNAME <$DEBEMAIL>  $changelog_date/" debian/changelog
        # build-ubunturepo pins the packages to each other with this "magic string".
        sed -i "s#>= 2.13-snap000000000000#= $version#g" debian/control
        # Not build-ubunturepo: xCAT's control files depend on packages that only xCAT's own
        # xcat-dep repository provides (grub2-xcat, goconserver, xcat-genesis-scripts-amd64) and
        # that Debian does not have.  None of them is used by the management-node HA procedure
        # (network boot images, goconserver, genesis discovery), so the dependency is dropped
        # instead of installing with dpkg --force-depends, which would leave apt unusable.
        sed -i -e 's/grub2-xcat *([^)]*), *//' -e 's/goconserver *([^)]*), *//' \
            -e 's/, *xcat-genesis-scripts-amd64 *([^)]*)//' debian/control
        if grep -Eq 'grub2-xcat|goconserver|genesis-scripts' debian/control; then
            echo "package.sh: $package/debian/control still names an xcat-dep package" >&2
            exit 1
        fi
        # build-ubunturepo copies bmcsetup and getipmi from xCAT-genesis-scripts into xCAT's
        # postscripts; that directory is not in this source tarball, and xCAT/postscripts has
        # its own bmcsetup, so the xcat package is built from xCAT/ as it is.
        arch=()
        [ "$package" = xCAT ] && arch=(-aamd64)
        # -d: Build-Depends are not checked (Perl only; build-essential is not needed).
        dpkg-buildpackage -rfakeroot -b -d -uc -us "${arch[@]}" >"../$package.build.log" 2>&1 || {
            tail -30 "../$package.build.log" >&2
            exit 1
        }
    )
done
mkdir -p "$out"
cp perl-xcat_"$version"_all.deb xcat-client_"$version"_all.deb xcat-server_"$version"_all.deb \
    xcat_"$version"_amd64.deb "$out/"
