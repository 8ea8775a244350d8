// The ABI of the EMAC driver's ethtool operations (drivers/emac_ethtool.ts), by
// netdevice ifindex; bound by src/kernel.ts for src/ethtool.ts.
export { emacEthtoolGet, emacEthtoolReg, emacEthtoolSet } from "./drivers/emac_ethtool";
