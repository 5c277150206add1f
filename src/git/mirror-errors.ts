import { CommandError, tail } from "../process/run.js";
import { UserError, userErrorFromHints, type Hint } from "../runner/user-error.js";

/** How talking to a mirror fails because of the setup, recognised by what git and ssh print. */
export const MIRROR_HINTS: readonly Hint[] = [
  {
    pattern: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/,
    problem: "The mirror's ssh host key is not the one known-hosts pins: the host key changed, or something answers in the mirror's place.",
    fix: "Nothing was pushed. Compare the host's key fingerprint with the one its operator publishes; only if the change is genuine, put the new key in known-hosts.",
  },
  {
    pattern: /No \S+ host key is known for|Host key verification failed/,
    problem: "The mirror's ssh host key is not in known-hosts, so the host cannot be verified.",
    fix: "Nothing was pushed. Set known-hosts to the mirror host's key (`<host> <type> <base64>`, checked against the fingerprint its operator publishes).",
  },
  {
    pattern: /Permission denied \(publickey|Load key .*: (invalid format|error in libcrypto)/,
    problem: "The mirror refused the ssh key.",
    fix: "Add the public half of ssh-key to the mirror repository as a deploy key with write access (or to a user who may push there).",
  },
  {
    pattern: /(Authentication failed|returned error: 40[13]|could not read (Username|Password)|terminal prompts disabled|Invalid username or password)/i,
    problem: "The mirror refused the token.",
    fix: "Set token to a token that may push to the mirror repository (GitHub: contents: write on it), and check it has not expired.",
  },
  {
    pattern: /(Could not resolve hostname|Connection refused|Connection timed out|No route to host|Could not resolve host|Failed to connect)/,
    problem: "The mirror could not be reached.",
    fix: "Check the remote URL and that this runner can reach the mirror's host.",
  },
  {
    pattern: /(Repository not found|does not appear to be a git repository|repository '[^']*' not found)/i,
    problem: "The mirror repository does not exist, or these credentials may not see it.",
    fix: "Create the mirror repository (empty) and check the remote URL and the credentials' access to it.",
  },
  {
    pattern: /shallow update not allowed/,
    problem: "The clone is shallow, and the mirror lacks commits beyond its edge.",
    fix: "Check the repository out with its whole history (actions/checkout with `fetch-depth: 0`).",
  },
];

/** A failed git command against the mirror, as a UserError with the fix where the cause is known. */
export function mirrorError(error: unknown): unknown {
  if (!(error instanceof CommandError)) return error;
  const known = userErrorFromHints("git", MIRROR_HINTS, error.stderr);
  if (!known) return error;
  const said = tail(error.stderr, 3).split("\n").map((l) => l.trim()).filter(Boolean).join(" / ");
  return new UserError(`${known.problem}${said ? ` (git: ${said})` : ""}`, known.fix, "git");
}
