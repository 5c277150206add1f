/** State name of the private directory (netrc, signing key), for the post step to remove if main could not. */
export const PRIVATE_DIR_STATE = "private-dir";

/** The private directory's name starts so: the post step removes nothing else. */
export const PRIVATE_DIR_PREFIX = "nix-fleet-build-matrix-";
