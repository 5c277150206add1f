# Sourced by scripts/bootstrap and scripts/nix-chroot: the Debian mirror this machine's apt already
# uses, so that trixie comes from the same place (and no registry host is ever written down here).

# Prints the URI of the Debian archive's own bookworm stanza (signed by the Debian keyring, not
# -security), from the deb822 files or else sources.list; prints nothing when there is none.
debian_mirror_uri() {
  local uri
  uri=$(awk -v RS= '/Signed-By:[^\n]*debian-archive-keyring/ && /Suites:[^\n]*bookworm([ \n]|$)/ && !/Suites:[^\n]*-security/ {
          if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ && $0 ~ / bookworm / {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  printf '%s' "$uri"
}
