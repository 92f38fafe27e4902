package terraform

import (
	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Managed Kubernetes control planes and storage accounts are reachable from the internet unless
// their network settings say otherwise; these checks read those settings on GCP and Azure.

const (
	refGKECIS = "CIS Google Kubernetes Engine (GKE) Benchmark v1.5"
	refAKSCIS = "CIS Azure Kubernetes Service (AKS) Benchmark v1.4"
)

func init() {
	def(cc("TG-TF-GCP-013", finding.Medium, "GKE nodes have public IP addresses",
		"Without private_cluster_config { enable_private_nodes = true } every node gets an external IP, so kubelet and node ports are one firewall mistake away from the internet.",
		"Set private_cluster_config { enable_private_nodes = true } (with Cloud NAT for egress).",
		"https://cloud.google.com/kubernetes-engine/docs/how-to/legacy/network-isolation", refGKECIS+" 5.6.5"),
		[]string{"google_container_cluster"}, func(c *ctx) {
			pc, ok := c.n.block("private_cluster_config")
			if !ok {
				c.fire(0, "private_cluster_config.enable_private_nodes", "private_cluster_config is not set, so nodes are public")
				return
			}
			if b, line, known := pc.boolean("enable_private_nodes"); (known && !b) || !pc.has("enable_private_nodes") {
				c.fire(line, "private_cluster_config.enable_private_nodes", "")
			}
		})
	def(cc("TG-TF-GCP-014", finding.High, "GKE control plane reachable from any address",
		"With a public control-plane endpoint and no master_authorized_networks_config (or one that allows 0.0.0.0/0), anyone on the internet can reach the Kubernetes API and try credentials or exploits.",
		"Add master_authorized_networks_config with the admin CIDRs only, or set private_cluster_config { enable_private_endpoint = true }.",
		"https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks", refGKECIS+" 5.6.3"),
		[]string{"google_container_cluster"}, func(c *ctx) {
			if pc, ok := c.n.block("private_cluster_config"); ok {
				if b, _, known := pc.boolean("enable_private_endpoint"); known && b {
					return
				}
			}
			man, ok := c.n.block("master_authorized_networks_config")
			if !ok {
				c.fire(0, "master_authorized_networks_config", "")
				return
			}
			for _, cb := range man.blocks("cidr_blocks") {
				if cidr, line, known := cb.str("cidr_block"); known && isWorld(cidr) {
					c.fire(line, "master_authorized_networks_config.cidr_blocks", "authorized network "+cidr)
				}
			}
		})
	def(cc("TG-TF-AZ-013", finding.Medium, "Storage account network default action is Allow",
		"A storage account whose network rules default to Allow (the default when none are written) accepts requests from every network, leaving only keys and SAS tokens between the data and the internet.",
		"Set network_rules { default_action = \"Deny\" } with the needed ip_rules, subnets and bypass = [\"AzureServices\"], or public_network_access_enabled = false with private endpoints.",
		"https://learn.microsoft.com/azure/storage/common/storage-network-security", refAzCIS+" 3.8"),
		[]string{"azurerm_storage_account", "azurerm_storage_account_network_rules"}, func(c *ctx) {
			if c.r.typ == "azurerm_storage_account_network_rules" {
				if a, line, ok := c.n.str("default_action"); ok && a == "Allow" {
					c.fire(line, "default_action", "")
				}
				return
			}
			if b, _, ok := c.n.boolean("public_network_access_enabled"); ok && !b {
				return
			}
			if nr, ok := c.n.block("network_rules"); ok {
				if a, line, known := nr.str("default_action"); known && a == "Allow" {
					c.fire(line, "network_rules.default_action", "")
				}
				return
			}
			if len(storageNetworkRules(c)) == 0 {
				c.fire(0, "network_rules", "no network rules, so the default action is Allow")
			}
		})
	def(cc("TG-TF-AZ-014", finding.High, "AKS API server reachable from any address",
		"A cluster that is not private and has no api_server_access_profile authorized_ip_ranges (or one that includes 0.0.0.0/0) exposes the Kubernetes API to the whole internet.",
		"Set api_server_access_profile { authorized_ip_ranges = [<admin CIDRs>] }, or private_cluster_enabled = true.",
		"https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges", refAKSCIS+" 5.4.1"),
		[]string{"azurerm_kubernetes_cluster"}, func(c *ctx) {
			if b, _, ok := c.n.boolean("private_cluster_enabled"); ok && b {
				return
			}
			// an empty list means no restriction; a list Terraform only knows at apply is not judged
			var ranges []string
			line := 0
			judge := func(n node, name string) bool {
				v, l, ok := n.value(name)
				if !ok {
					return true
				}
				if !v.IsWhollyKnown() {
					return false
				}
				ranges, line = append(ranges, flattenStrings(v)...), l
				return true
			}
			if !judge(c.n, "api_server_authorized_ip_ranges") { // provider 2.x/3.x
				return
			}
			if ap, ok := c.n.block("api_server_access_profile"); ok && !judge(ap, "authorized_ip_ranges") {
				return
			}
			if len(ranges) == 0 || anyWorld(ranges) {
				c.fire(line, "api_server_access_profile.authorized_ip_ranges", "")
			}
		})
}

// storageNetworkRules lists azurerm_storage_account_network_rules resources attached to this account.
func storageNetworkRules(c *ctx) []*resource {
	var out []*resource
	name, _, nameKnown := c.n.str("name")
	for _, o := range c.m.resources {
		if o.typ != "azurerm_storage_account_network_rules" {
			continue
		}
		on := o.node()
		on.ctx = c.n.ctx
		if on.refersTo("storage_account_id", c.r.typ+"."+c.r.name) || on.refersTo("storage_account_name", c.r.typ+"."+c.r.name) {
			out = append(out, o)
			continue
		}
		if v, _, ok := on.str("storage_account_name"); ok && nameKnown && v == name {
			out = append(out, o)
		}
	}
	return out
}
