{ name, ... }:
{
  networking.hostName = name;
  services = [ "harmonia" "wstunnel" ];
  assertions = [ ];
}
