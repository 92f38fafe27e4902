package terraform

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

const (
	refAzCIS     = "CIS Microsoft Azure Foundations Benchmark v2.1"
	refAzStorage = "https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent"
	refAzNSG     = "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview"
)

func init() {
	def(cc("TG-TF-AZ-001", finding.High, "Storage account allows public blob access",
		"allow_nested_items_to_be_public (allow_blob_public_access in older providers) lets containers be made anonymous-readable.",
		"Set allow_nested_items_to_be_public = false.", refAzStorage, refAzCIS),
		[]string{"azurerm_storage_account"}, func(c *ctx) {
			for _, k := range []string{"allow_nested_items_to_be_public", "allow_blob_public_access"} {
				if b, line, ok := c.n.boolean(k); ok && b {
					c.fire(line, k, "")
				}
			}
		})
	def(cc("TG-TF-AZ-002", finding.High, "Storage container is public",
		"container_access_type blob or container allows anonymous reads.",
		"Set container_access_type = \"private\".", refAzStorage, refAzCIS),
		[]string{"azurerm_storage_container"}, func(c *ctx) {
			if t, line, ok := c.n.str("container_access_type"); ok && (t == "blob" || t == "container") {
				c.fire(line, "container_access_type", "container access type "+t)
			}
		})
	def(cc("TG-TF-AZ-003", finding.Medium, "Storage account accepts TLS older than 1.2",
		"TLS 1.0 and 1.1 have known weaknesses.",
		"Set min_tls_version = \"TLS1_2\".", "https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version", refAzCIS),
		[]string{"azurerm_storage_account"}, func(c *ctx) {
			if v, line, ok := c.n.str("min_tls_version"); ok && (v == "TLS1_0" || v == "TLS1_1") {
				c.fire(line, "min_tls_version", "")
			}
		})
	def(cc("TG-TF-AZ-004", finding.High, "Storage account allows plain HTTP",
		"With secure transfer disabled, data travels unencrypted.",
		"Set https_traffic_only_enabled = true (enable_https_traffic_only in older providers).", "https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer", refAzCIS),
		[]string{"azurerm_storage_account"}, func(c *ctx) {
			for _, k := range []string{"https_traffic_only_enabled", "enable_https_traffic_only"} {
				if b, line, ok := c.n.boolean(k); ok && !b {
					c.fire(line, k, "")
				}
			}
		})
	def(cc("TG-TF-AZ-005", finding.Critical, "Network security rule open to the internet on an admin port",
		"An inbound Allow rule from *, Internet or 0.0.0.0/0 to SSH (22), RDP (3389) or all ports exposes management services.",
		"Restrict source_address_prefix; use Azure Bastion or just-in-time access.", refAzNSG, refAzCIS),
		[]string{"azurerm_network_security_rule", "azurerm_network_security_group"}, func(c *ctx) {
			judge := func(n node, key string) {
				dir, _, _ := n.str("direction")
				acc, _, _ := n.str("access")
				if dir != "Inbound" || acc != "Allow" {
					return
				}
				if proto, _, _ := n.str("protocol"); notTCP(proto) {
					return
				}
				src, line, _ := n.strs("source_address_prefix")
				more, _, _ := n.strs("source_address_prefixes")
				if !anyWorld(append(src, more...)) {
					return
				}
				ports, _, _ := n.strs("destination_port_range")
				more, _, _ = n.strs("destination_port_ranges")
				for _, p := range append(ports, more...) {
					lo, hi, ok := portRange(p)
					if !ok {
						continue
					}
					if lo == 0 && hi == 65535 {
						c.fire(line, key, "inbound from the internet to every port")
						return
					}
					if port, hit := covers(lo, hi, adminPorts); hit {
						c.fire(line, key, fmt.Sprintf("inbound from the internet to port %d", port))
						return
					}
				}
			}
			if c.r.typ == "azurerm_network_security_rule" {
				judge(c.n, "rule")
				return
			}
			for _, r := range c.n.blocks("security_rule") {
				name, _, _ := r.str("name")
				judge(r, "security_rule:"+name)
			}
		})
	def(cc("TG-TF-AZ-006", finding.High, "SQL firewall allows every address",
		"A firewall rule from 0.0.0.0 to 255.255.255.255 opens the server to the whole internet.",
		"Allow only the client ranges that need access, or use private endpoints.", "https://learn.microsoft.com/azure/azure-sql/database/firewall-configure", refAzCIS),
		[]string{"azurerm_sql_firewall_rule", "azurerm_mssql_firewall_rule", "azurerm_postgresql_firewall_rule", "azurerm_mysql_firewall_rule", "azurerm_postgresql_flexible_server_firewall_rule", "azurerm_mysql_flexible_server_firewall_rule", "azurerm_mariadb_firewall_rule"}, func(c *ctx) {
			s, line, ok1 := c.n.str("start_ip_address")
			e, _, ok2 := c.n.str("end_ip_address")
			if ok1 && ok2 && s == "0.0.0.0" && e == "255.255.255.255" {
				c.fire(line, "start_ip_address", "")
			}
		})
	def(cc("TG-TF-AZ-007", finding.Medium, "SQL server reachable from public networks",
		"public_network_access_enabled defaults to true, exposing the server's endpoint to the internet.",
		"Set public_network_access_enabled = false and use private endpoints.", "https://learn.microsoft.com/azure/azure-sql/database/connectivity-settings", refAzCIS),
		[]string{"azurerm_mssql_server", "azurerm_sql_server", "azurerm_postgresql_server", "azurerm_mysql_server"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("public_network_access_enabled"); (ok && b) || !c.n.has("public_network_access_enabled") {
				c.fire(line, "public_network_access_enabled", "")
			}
		})
	def(cc("TG-TF-AZ-008", finding.Medium, "Key Vault purge protection disabled",
		"Without purge protection a deleted vault and its keys can be destroyed permanently during the retention period.",
		"Set purge_protection_enabled = true.", "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview", refAzCIS),
		[]string{"azurerm_key_vault"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("purge_protection_enabled"); !ok || !b {
				c.fire(line, "purge_protection_enabled", "")
			}
		})
	def(cc("TG-TF-AZ-009", finding.High, "AKS cluster RBAC disabled",
		"Without Kubernetes RBAC every authenticated user has full access to the cluster.",
		"Set role_based_access_control_enabled = true.", "https://learn.microsoft.com/azure/aks/concepts-identity", refAzCIS),
		[]string{"azurerm_kubernetes_cluster"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("role_based_access_control_enabled"); ok && !b {
				c.fire(line, "role_based_access_control_enabled", "")
			}
			if r, ok := c.n.block("role_based_access_control"); ok {
				if b, line, known := r.boolean("enabled"); known && !b {
					c.fire(line, "role_based_access_control.enabled", "")
				}
			}
		})
	def(cc("TG-TF-AZ-010", finding.Medium, "App Service allows plain HTTP",
		"Without https_only the app answers over unencrypted HTTP.",
		"Set https_only = true.", "https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https", refAzCIS),
		[]string{"azurerm_app_service", "azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_function_app", "azurerm_linux_function_app", "azurerm_windows_function_app"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("https_only"); !ok || !b {
				c.fire(line, "https_only", "")
			}
		})
	def(cc("TG-TF-AZ-011", finding.Medium, "Linux VM allows password authentication",
		"Password logins over SSH are open to brute force.",
		"Set disable_password_authentication = true and use SSH keys.", "https://learn.microsoft.com/azure/virtual-machines/linux/create-ssh-keys-detailed", refAzCIS),
		[]string{"azurerm_linux_virtual_machine", "azurerm_linux_virtual_machine_scale_set"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("disable_password_authentication"); ok && !b {
				c.fire(line, "disable_password_authentication", "")
			}
		})
	def(cc("TG-TF-AZ-012", finding.Critical, "Hard-coded cloud credentials in a provider",
		"A client secret or service-account key written in the provider block puts long-lived credentials in the repository.",
		"Remove it; use environment variables, managed identity or workload identity federation (OIDC) in CI.", "https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/guides/service_principal_client_secret"),
		[]string{"provider.azurerm", "provider.google", "provider.google-beta"}, func(c *ctx) {
			for _, k := range []string{"client_secret", "client_certificate_password", "credentials", "access_token"} {
				if s, line, ok := c.n.str(k); ok && s != "" && !looksLikePath(s) {
					c.fire(line, k, "provider sets "+k+" to a literal value")
				}
			}
		})
}

func looksLikePath(s string) bool {
	return len(s) < 200 && (s[0] == '/' || s[0] == '.' || s[0] == '~' || (len(s) > 5 && s[len(s)-5:] == ".json"))
}
