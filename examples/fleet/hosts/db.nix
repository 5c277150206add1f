{ name, ... }:
let
  port = 5432;
in
{
  networking.hostName = name;
  services = [ "postgresql" ];
  assertions = [
    { assertion = port > 1024; message = "postgresql must not listen on a privileged port"; }
  ];
}
