{ name, ... }:
{
  networking.hostName = name;
  services = [ "nginx" "acme" ];
  assertions = [
    { assertion = true; message = "web needs TLS certificates"; }
  ];
}
