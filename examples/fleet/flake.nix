{
  description = "An example NixOS-style fleet with no external inputs (evaluates and builds offline)";

  outputs = { self }:
    let
      lib = import ./lib { };
      hosts = {
        web = ./hosts/web.nix;
        db = ./hosts/db.nix;
        mgmt = ./hosts/mgmt.nix;
      };
      system = "x86_64-linux";
    in
    {
      nixosConfigurations = builtins.mapAttrs (name: file: lib.mkHost { inherit name system; module = file; }) hosts;

      # deploy-rs schema: one node per host, its system profile activated as root.
      deploy.nodes = builtins.mapAttrs (name: _: {
        hostname = "${name}.fleet.internal";
        sshUser = "deploy";
        magicRollback = true;
        autoRollback = true;
        profiles.system = {
          user = "root";
          path = self.nixosConfigurations.${name}.config.system.build.toplevel;
        };
      }) hosts;

      checks.${system}.hostnames-unique = lib.checkUniqueHostnames {
        inherit system;
        configurations = self.nixosConfigurations;
      };
    };
}
