package terraform

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

const (
	refGCPCIS = "CIS Google Cloud Platform Foundation Benchmark v3.0"
	refGCS    = "https://cloud.google.com/storage/docs/access-control"
	refGCE    = "https://cloud.google.com/compute/docs/access/service-accounts#default_service_account"
	refSQL    = "https://cloud.google.com/sql/docs/mysql/configure-ip"
	refGKE    = "https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster"
)

func init() {
	def(cc("TG-TF-GCP-001", finding.High, "Storage bucket public to allUsers or allAuthenticatedUsers",
		"An IAM grant to allUsers or allAuthenticatedUsers makes the bucket readable (or writable) by anyone with a Google account or none.",
		"Grant named principals only; serve public content through a CDN with signed URLs if needed.", refGCS, refGCPCIS),
		[]string{"google_storage_bucket_iam_member", "google_storage_bucket_iam_binding", "google_storage_bucket_access_control", "google_storage_default_object_access_control"}, func(c *ctx) {
			var members []string
			line := 0
			for _, k := range []string{"member", "members", "entity"} {
				m, l, ok := c.n.strs(k)
				if ok {
					members = append(members, m...)
					line = l
				}
			}
			for _, m := range members {
				if m == "allUsers" || m == "allAuthenticatedUsers" {
					c.fire(line, "member:"+m, "grants access to "+m)
				}
			}
		})
	def(cc("TG-TF-GCP-002", finding.Medium, "Storage bucket without uniform bucket-level access",
		"Per-object ACLs make access hard to audit and easy to open by accident.",
		"Set uniform_bucket_level_access = true.", "https://cloud.google.com/storage/docs/uniform-bucket-level-access", refGCPCIS),
		[]string{"google_storage_bucket"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("uniform_bucket_level_access"); !ok || !b {
				c.fire(line, "uniform_bucket_level_access", "")
			}
		})
	def(cc("TG-TF-GCP-003", finding.Critical, "Firewall open to the world on an admin port",
		"An ingress rule from 0.0.0.0/0 to SSH (22), RDP (3389) or all ports exposes management services to the internet.",
		"Restrict source_ranges (use IAP TCP forwarding, 35.235.240.0/20, for admin access).", "https://cloud.google.com/firewall/docs/firewalls", refGCPCIS),
		[]string{"google_compute_firewall"}, func(c *ctx) {
			if d, _, ok := c.n.str("direction"); ok && d != "INGRESS" {
				return
			}
			if b, _, ok := c.n.boolean("disabled"); ok && b {
				return
			}
			src, line, _ := c.n.strs("source_ranges")
			if !anyWorld(src) {
				return
			}
			for _, a := range c.n.blocks("allow") {
				proto, _, _ := a.str("protocol")
				if notTCP(proto) {
					continue
				}
				ports, _, has := a.strs("ports")
				if proto == "all" || (!has && (proto == "tcp" || proto == "udp")) {
					c.fire(line, "allow:all", "allows every port from anywhere")
					return
				}
				for _, p := range ports {
					lo, hi, ok := portRange(p)
					if !ok {
						continue
					}
					if port, hit := covers(lo, hi, adminPorts); hit {
						c.fire(line, "allow:"+strconv.Itoa(port), fmt.Sprintf("allows port %d from anywhere", port))
						return
					}
				}
			}
		})
	def(cc("TG-TF-GCP-004", finding.High, "Cloud SQL open to the internet",
		"An authorized network of 0.0.0.0/0 lets any address connect to the instance's public IP.",
		"Remove the 0.0.0.0/0 network; use private IP or the Cloud SQL Auth Proxy.", refSQL, refGCPCIS),
		[]string{"google_sql_database_instance"}, func(c *ctx) {
			s, _ := c.n.block("settings")
			ip, _ := s.block("ip_configuration")
			for _, an := range ip.blocks("authorized_networks") {
				if v, line, ok := an.str("value"); ok && isWorld(v) {
					c.fire(line, "settings.ip_configuration.authorized_networks", "")
				}
			}
		})
	def(cc("TG-TF-GCP-005", finding.Medium, "Cloud SQL does not require SSL",
		"Connections to the instance may be unencrypted.",
		"Set ip_configuration { ssl_mode = \"ENCRYPTED_ONLY\" } (or require_ssl = true on older providers).", refSQL, refGCPCIS),
		[]string{"google_sql_database_instance"}, func(c *ctx) {
			s, _ := c.n.block("settings")
			ip, ok := s.block("ip_configuration")
			if !ok {
				c.fire(s.line, "settings.ip_configuration.ssl_mode", "")
				return
			}
			if b, _, known := ip.boolean("require_ssl"); known && b {
				return
			}
			if m, _, known := ip.str("ssl_mode"); known && (m == "ENCRYPTED_ONLY" || m == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED") {
				return
			}
			c.fire(ip.line, "settings.ip_configuration.ssl_mode", "")
		})
	def(cc("TG-TF-GCP-006", finding.High, "Instance uses the default service account with full API access",
		"The default compute service account is Editor on the project; with the cloud-platform scope any process on the VM can use that.",
		"Use a dedicated least-privilege service account.", refGCE, refGCPCIS),
		[]string{"google_compute_instance", "google_compute_instance_template"}, func(c *ctx) {
			sa, ok := c.n.block("service_account")
			if !ok {
				return
			}
			email, _, known := sa.str("email")
			scopes, line, _ := sa.strs("scopes")
			isDefault := !sa.has("email") || (known && strings.HasSuffix(email, "-compute@developer.gserviceaccount.com"))
			if isDefault && (hasStr(scopes, "cloud-platform") || hasStr(scopes, "https://www.googleapis.com/auth/cloud-platform")) {
				c.fire(line, "service_account.scopes", "")
			}
		})
	def(cc("TG-TF-GCP-007", finding.Medium, "Serial port access enabled",
		"serial-port-enable lets anyone with the right IAM role connect to the VM's serial console, bypassing network controls.",
		"Remove serial-port-enable from metadata.", "https://cloud.google.com/compute/docs/troubleshooting/troubleshooting-using-serial-console", refGCPCIS),
		[]string{"google_compute_instance", "google_compute_instance_template", "google_compute_project_metadata"}, func(c *ctx) {
			v, line, ok := c.n.value("metadata")
			if !ok || !v.IsKnown() || v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
				return
			}
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				if k.AsString() == "serial-port-enable" {
					s := flattenStrings(e)
					if len(s) == 1 && (strings.EqualFold(s[0], "true") || s[0] == "1") {
						c.fire(line, "metadata.serial-port-enable", "")
					}
				}
			}
		})
	def(cc("TG-TF-GCP-008", finding.Medium, "Instance has a public IP address",
		"An access_config block gives the VM an external IP, reachable from the internet subject to firewall rules.",
		"Remove access_config and reach the VM through IAP or a load balancer; use Cloud NAT for egress.", "https://cloud.google.com/compute/docs/ip-addresses/reserve-static-external-ip-address", refGCPCIS),
		[]string{"google_compute_instance"}, func(c *ctx) {
			for _, ni := range c.n.blocks("network_interface") {
				for _, ac := range ni.blocks("access_config") {
					c.fire(ac.line, "network_interface.access_config", "")
				}
			}
		})
	def(cc("TG-TF-GCP-009", finding.High, "GKE legacy ABAC enabled",
		"Legacy ABAC grants broad static permissions and bypasses RBAC.",
		"Set enable_legacy_abac = false.", refGKE),
		[]string{"google_container_cluster"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("enable_legacy_abac"); ok && b {
				c.fire(line, "enable_legacy_abac", "")
			}
		})
	def(cc("TG-TF-GCP-010", finding.Medium, "GKE issues client certificates",
		"Client certificates are long-lived credentials that cannot be revoked without rotating the cluster CA.",
		"Set master_auth { client_certificate_config { issue_client_certificate = false } }.", refGKE),
		[]string{"google_container_cluster"}, func(c *ctx) {
			ma, _ := c.n.block("master_auth")
			cc, _ := ma.block("client_certificate_config")
			if b, line, ok := cc.boolean("issue_client_certificate"); ok && b {
				c.fire(line, "master_auth.client_certificate_config.issue_client_certificate", "")
			}
		})
	def(cc("TG-TF-GCP-011", finding.Medium, "Primitive owner or editor role granted",
		"roles/owner and roles/editor grant near-total control of the project.",
		"Grant predefined or custom roles with the permissions needed.", "https://cloud.google.com/iam/docs/understanding-roles#basic", refGCPCIS),
		[]string{"google_project_iam_member", "google_project_iam_binding"}, func(c *ctx) {
			if r, line, ok := c.n.str("role"); ok && (r == "roles/owner" || r == "roles/editor") {
				c.fire(line, "role", "grants "+r)
			}
		})
	def(cc("TG-TF-GCP-012", finding.Low, "KMS key rotation not set or longer than 90 days",
		"Keys without rotation keep the same material indefinitely.",
		"Set rotation_period to 7776000s (90 days) or less.", "https://cloud.google.com/kms/docs/key-rotation", refGCPCIS),
		[]string{"google_kms_crypto_key"}, func(c *ctx) {
			p, line, ok := c.n.str("rotation_period")
			if !ok {
				if !c.n.has("rotation_period") {
					c.fire(line, "rotation_period", "")
				}
				return
			}
			secs, err := strconv.ParseFloat(strings.TrimSuffix(p, "s"), 64)
			if err == nil && secs > 7776000 {
				c.fire(line, "rotation_period", "rotation period "+p)
			}
		})
}
