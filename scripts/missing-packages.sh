# Sourced by the setup scripts (not run): `missing_packages NAME...` sets
# the array `missing` to those of the Debian packages NAME... that are not
# installed, in the order given.
missing_packages() {
    missing=()
    local package
    for package in "$@"; do
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) != installed ]]; then
            missing+=("$package")
        fi
    done
}
