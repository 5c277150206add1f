# A very small stand-in for nixpkgs' NixOS module system: enough to give each host a real
# `config.system.build.toplevel` derivation, assertions that fail like NixOS's do, and
# evaluation errors that point at the host's own file.
{ }:
let
  # Built with the build machine's /bin/sh and coreutils (an impure PATH), because the fleet has
  # no nixpkgs to take them from.
  shellDerivation = { name, system, script, env ? { } }:
    derivation ({
      inherit name system;
      builder = "/bin/sh";
      args = [ "-c" "PATH=/usr/bin:/bin\n${script}" ];
    } // env);

  base = system: shellDerivation {
    name = "fleet-base";
    inherit system;
    script = ''
      mkdir -p $out/bin
      printf '#!/bin/sh\necho "fleet base for $1"\n' > $out/bin/fleet-hello
      chmod +x $out/bin/fleet-hello
    '';
  };

  failedAssertions = config:
    map (a: a.message) (builtins.filter (a: !a.assertion) (config.assertions or [ ]));

  checkAssertions = config:
    let failed = failedAssertions config;
    in
    if failed == [ ] then config
    else throw "\nFailed assertions:\n${builtins.concatStringsSep "\n" (map (m: "- ${m}") failed)}";
in
{
  mkHost = { name, system, module }:
    let
      config = checkAssertions (import module { inherit name; });
      toplevel = shellDerivation {
        name = "nixos-system-${config.networking.hostName}";
        inherit system;
        env = {
          hostName = config.networking.hostName;
          services = builtins.concatStringsSep " " (config.services or [ ]);
          base = base system;
        };
        script = ''
          mkdir -p $out/etc
          echo "$hostName" > $out/etc/hostname
          echo "$services" > $out/etc/services
          ln -s $base $out/sw
          printf '#!/bin/sh\necho "activating %s"\n' "$hostName" > $out/activate
          chmod +x $out/activate
        '';
      };
    in
    {
      config = config // { system.build.toplevel = toplevel; };
    };

  checkUniqueHostnames = { system, configurations }:
    let
      names = map (c: c.config.networking.hostName) (builtins.attrValues configurations);
      unique = builtins.foldl' (acc: n: if builtins.elem n acc then acc else acc ++ [ n ]) [ ] names;
    in
    shellDerivation {
      name = "check-hostnames-unique";
      inherit system;
      env = { count = toString (builtins.length names); uniqueCount = toString (builtins.length unique); };
      script = ''
        if [ "$count" != "$uniqueCount" ]; then echo "duplicate host names" >&2; exit 1; fi
        echo ok > $out
      '';
    };
}
