package terraform

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

const (
	refAWSCIS = "CIS Amazon Web Services Foundations Benchmark v3.0"
	refS3     = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html"
	refSG     = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
	refIAM    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"
	refIMDS   = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html"
	refRDS    = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_BestPractices.Security.html"
	refTFAWS  = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs"
)

func init() {
	def(cc("TG-TF-AWS-001", finding.High, "S3 bucket ACL grants public access",
		"A public-read, public-read-write or authenticated-read ACL exposes the bucket's objects beyond the account.",
		"Use a private ACL (or object ownership BucketOwnerEnforced) and share through bucket policies with conditions.", refS3, refAWSCIS),
		[]string{"aws_s3_bucket", "aws_s3_bucket_acl", "module:terraform-aws-modules/s3-bucket/aws"}, func(c *ctx) {
			if acl, line, ok := c.n.str("acl"); ok && (acl == "public-read" || acl == "public-read-write" || acl == "authenticated-read") {
				c.fire(line, "acl", fmt.Sprintf("ACL %s", acl))
			}
		})
	def(cc("TG-TF-AWS-002", finding.High, "S3 public access block disabled",
		"A public access block with any of its four settings false lets ACLs or policies make the bucket public.",
		"Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to true.", refS3, refAWSCIS),
		[]string{"aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"}, func(c *ctx) {
			for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
				if b, line, ok := c.n.boolean(k); ok && !b {
					c.fire(line, k, k+" is false")
				} else if !c.n.has(k) {
					c.fire(0, k, k+" is not set (defaults to false)")
				}
			}
		})
	def(cc("TG-TF-AWS-003", finding.Low, "S3 bucket without a public access block",
		"No aws_s3_bucket_public_access_block refers to the bucket, so nothing stops a later ACL or policy from making it public.",
		"Add an aws_s3_bucket_public_access_block with all four settings true (or an account-level block).", refS3),
		[]string{"aws_s3_bucket"}, func(c *ctx) {
			if len(c.companions("aws_s3_bucket_public_access_block", "bucket")) == 0 && !accountBlock(c.m) {
				c.fire(0, "public_access_block", "")
			}
		})
	def(cc("TG-TF-AWS-004", finding.Medium, "S3 bucket versioning not enabled",
		"Without versioning, overwritten or deleted objects (by mistake or ransomware) cannot be recovered.",
		"Enable versioning (aws_s3_bucket_versioning with status Enabled).", refS3),
		[]string{"aws_s3_bucket"}, func(c *ctx) {
			if v, ok := c.n.block("versioning"); ok {
				if b, line, known := v.boolean("enabled"); known && !b {
					c.fire(line, "versioning.enabled", "")
				} else if !v.has("enabled") {
					// a block that only sets mfa_delete leaves versioning at its default, off
					c.fire(v.line, "versioning.enabled", "versioning block does not set enabled = true")
				}
				return
			}
			comps := c.companions("aws_s3_bucket_versioning", "bucket")
			if len(comps) == 0 {
				c.fire(0, "versioning", "")
				return
			}
			for _, v := range comps {
				cfg, _ := v.node().block("versioning_configuration")
				if s, _, ok := cfg.str("status"); ok && s != "Enabled" {
					c.fire(0, "versioning", "versioning status is "+s)
				}
			}
		})
	def(cc("TG-TF-AWS-005", finding.Low, "S3 bucket access logging not enabled",
		"Without server access logs there is no record of who read or changed objects.",
		"Enable access logging (aws_s3_bucket_logging) to a dedicated log bucket.", refS3, refAWSCIS),
		[]string{"aws_s3_bucket"}, func(c *ctx) {
			if _, ok := c.n.block("logging"); ok {
				return
			}
			if len(c.companions("aws_s3_bucket_logging", "bucket")) == 0 {
				c.fire(0, "logging", "")
			}
		})
	def(cc("TG-TF-AWS-006", finding.Critical, "Security group open to the world on an admin port",
		"Ingress from 0.0.0.0/0 or ::/0 to SSH (22), RDP (3389) or all ports invites brute force and exploits of the management service.",
		"Restrict the source to known CIDRs, or use SSM Session Manager / a bastion instead of open admin ports.", refSG, refAWSCIS),
		[]string{"aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"}, func(c *ctx) {
			sgIngress(c, adminPorts, true)
		})
	def(cc("TG-TF-AWS-007", finding.High, "Security group open to the world on a database port",
		"Ingress from anywhere to a database or cache port (3306, 5432, 1433, 6379, 27017, 9200…) exposes data stores to the internet.",
		"Allow the port only from the application's security group or private CIDRs.", refSG),
		[]string{"aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"}, func(c *ctx) {
			sgIngress(c, dbPorts, false)
		})
	def(cc("TG-TF-AWS-008", finding.High, "Database instance publicly accessible",
		"publicly_accessible = true gives the database a public endpoint.",
		"Set publicly_accessible = false and reach the database from inside the VPC.", refRDS, refAWSCIS),
		[]string{"aws_db_instance", "aws_rds_cluster_instance", "module:terraform-aws-modules/rds/aws"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("publicly_accessible"); ok && b {
				c.fire(line, "publicly_accessible", "")
			}
		})
	def(cc("TG-TF-AWS-009", finding.High, "Database storage not encrypted",
		"storage_encrypted is not true, so the database's storage, backups and snapshots are unencrypted at rest.",
		"Set storage_encrypted = true (with a customer-managed kms_key_id where required).", refRDS, refAWSCIS),
		[]string{"aws_db_instance", "aws_rds_cluster"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("storage_encrypted"); ok && !b {
				c.fire(line, "storage_encrypted", "")
			} else if !c.n.has("storage_encrypted") && !c.n.has("replicate_source_db") && !c.n.has("snapshot_identifier") {
				c.fire(0, "storage_encrypted", "storage_encrypted is not set (defaults to false)")
			}
		})
	def(cc("TG-TF-AWS-010", finding.High, "EBS volume not encrypted",
		"The volume's data and snapshots are unencrypted at rest.",
		"Set encrypted = true (or enable EBS encryption by default for the account).", "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html", refAWSCIS),
		[]string{"aws_ebs_volume"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("encrypted"); (ok && !b) || !c.n.has("encrypted") {
				c.fire(line, "encrypted", "")
			}
		})
	def(cc("TG-TF-AWS-011", finding.High, "Instance metadata service v1 allowed",
		"Without http_tokens = \"required\" the instance accepts IMDSv1 requests, which SSRF bugs can use to steal the instance role's credentials.",
		"Set metadata_options { http_tokens = \"required\" }.", refIMDS, refAWSCIS),
		[]string{"aws_instance", "aws_launch_template", "aws_launch_configuration"}, func(c *ctx) {
			mo, ok := c.n.block("metadata_options")
			if !ok {
				c.fire(0, "metadata_options.http_tokens", "metadata_options is not set, so IMDSv1 is allowed")
				return
			}
			if en, _, known := mo.str("http_endpoint"); known && en == "disabled" {
				return
			}
			if t, line, known := mo.str("http_tokens"); (known && t != "required") || !mo.has("http_tokens") {
				c.fire(line, "metadata_options.http_tokens", "")
			}
		})
	def(cc("TG-TF-AWS-012", finding.Medium, "Instance root volume not encrypted",
		"The root block device is not encrypted, so the OS disk and its snapshots are readable at rest.",
		"Set root_block_device { encrypted = true }.", refTFAWS+"/resources/instance#root_block_device"),
		[]string{"aws_instance"}, func(c *ctx) {
			rb, ok := c.n.block("root_block_device")
			if !ok {
				return // encryption-by-default may apply; nothing written to judge
			}
			if b, line, known := rb.boolean("encrypted"); (known && !b) || !rb.has("encrypted") {
				c.fire(line, "root_block_device.encrypted", "")
			}
		})
	def(cc("TG-TF-AWS-013", finding.High, "IAM policy grants full admin (Action * on Resource *)",
		"A statement allowing every action on every resource is full administrator access.",
		"Grant the specific actions and resources the principal needs.", refIAM, refAWSCIS),
		iamTypes, func(c *ctx) { iamCheck(c, true) })
	def(cc("TG-TF-AWS-014", finding.Medium, "IAM policy uses wildcard actions",
		"A service-wide action wildcard (s3:*, iam:*) grants present and future actions, including destructive ones.",
		"List the actions the principal needs.", refIAM),
		iamTypes, func(c *ctx) { iamCheck(c, false) })
	def(cc("TG-TF-AWS-015", finding.Low, "IAM policy attached directly to a user",
		"Policies on users rather than groups or roles make permissions hard to review and revoke.",
		"Attach policies to groups or roles and add users to groups.", refIAM, refAWSCIS),
		[]string{"aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"}, func(c *ctx) {
			if c.r.typ == "aws_iam_policy_attachment" && !c.n.has("users") {
				return
			}
			c.fire(0, "user", "")
		})
	def(cc("TG-TF-AWS-016", finding.Critical, "Hard-coded AWS credentials in the provider",
		"access_key/secret_key written in the provider block put long-lived credentials in the repository.",
		"Remove them; use environment variables, a shared profile, or OIDC role assumption in CI.", "https://registry.terraform.io/providers/hashicorp/aws/latest/docs#authentication-and-configuration"),
		[]string{"provider.aws"}, func(c *ctx) {
			for _, k := range []string{"secret_key", "access_key", "token"} {
				if s, line, ok := c.n.str(k); ok && s != "" {
					c.fire(line, k, "provider sets "+k+" to a literal value")
				}
			}
		})
	def(cc("TG-TF-AWS-017", finding.Medium, "CloudTrail log file validation disabled",
		"Without log file validation nobody can prove the trail's logs were not altered.",
		"Set enable_log_file_validation = true.", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html", refAWSCIS),
		[]string{"aws_cloudtrail"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("enable_log_file_validation"); !ok || !b {
				c.fire(line, "enable_log_file_validation", "")
			}
		})
	def(cc("TG-TF-AWS-018", finding.Medium, "CloudTrail is not multi-region",
		"A single-region trail misses activity in every other region, where attackers like to work.",
		"Set is_multi_region_trail = true.", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html", refAWSCIS),
		[]string{"aws_cloudtrail"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("is_multi_region_trail"); !ok || !b {
				c.fire(line, "is_multi_region_trail", "")
			}
		})
	def(cc("TG-TF-AWS-019", finding.Medium, "KMS key rotation disabled",
		"Symmetric customer-managed keys without rotation keep the same key material indefinitely.",
		"Set enable_key_rotation = true.", "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html", refAWSCIS),
		[]string{"aws_kms_key"}, func(c *ctx) {
			if spec, _, ok := c.n.str("customer_master_key_spec"); ok && spec != "SYMMETRIC_DEFAULT" {
				return
			}
			if b, line, ok := c.n.boolean("enable_key_rotation"); !ok || !b {
				c.fire(line, "enable_key_rotation", "")
			}
		})
	def(cc("TG-TF-AWS-020", finding.High, "EKS API endpoint public to the world",
		"The cluster's API endpoint is public (the default) and accepts connections from 0.0.0.0/0.",
		"Set endpoint_public_access = false, or restrict public_access_cidrs.", "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html"),
		[]string{"aws_eks_cluster"}, func(c *ctx) {
			vc, _ := c.n.block("vpc_config")
			if b, _, ok := vc.boolean("endpoint_public_access"); ok && !b {
				return
			}
			cidrs, line, set := vc.strs("public_access_cidrs")
			if !set || anyWorld(cidrs) {
				c.fire(line, "vpc_config.public_access_cidrs", "")
			}
		})
	def(cc("TG-TF-AWS-021", finding.Medium, "Load balancer listener uses plain HTTP",
		"An HTTP listener that does not redirect to HTTPS serves traffic unencrypted.",
		"Use protocol HTTPS with a certificate, or make the default action a redirect to HTTPS.", "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener.html"),
		[]string{"aws_lb_listener", "aws_alb_listener"}, func(c *ctx) {
			p, line, ok := c.n.str("protocol")
			if !c.n.has("protocol") {
				// an application load balancer's listener defaults to HTTP; a certificate means
				// HTTPS was meant, and network or gateway load balancers have no HTTP at all
				if c.n.has("certificate_arn") || !applicationLB(c) {
					return
				}
				p, ok = "HTTP", true
			}
			if !ok || p != "HTTP" {
				return
			}
			for _, da := range c.n.blocks("default_action") {
				if t, _, _ := da.str("type"); t == "redirect" {
					if rd, ok := da.block("redirect"); ok {
						if proto, _, _ := rd.str("protocol"); proto == "HTTPS" {
							return
						}
					}
				}
			}
			c.fire(line, "protocol", "")
		})
	def(cc("TG-TF-AWS-022", finding.Medium, "CloudFront allows plain HTTP to viewers",
		"viewer_protocol_policy allow-all serves content over unencrypted HTTP.",
		"Use redirect-to-https or https-only.", "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-viewers-to-cloudfront.html"),
		[]string{"aws_cloudfront_distribution"}, func(c *ctx) {
			for _, kind := range []string{"default_cache_behavior", "ordered_cache_behavior"} {
				for _, b := range c.n.blocks(kind) {
					if p, line, ok := b.str("viewer_protocol_policy"); ok && p == "allow-all" {
						c.fire(line, kind+".viewer_protocol_policy", "")
					}
				}
			}
		})
	def(cc("TG-TF-AWS-023", finding.Low, "ECR image tags are mutable",
		"Mutable tags let a push replace an image that deployments already reference by tag.",
		"Set image_tag_mutability = \"IMMUTABLE\".", "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html"),
		[]string{"aws_ecr_repository"}, func(c *ctx) {
			if m, line, ok := c.n.str("image_tag_mutability"); !ok || m != "IMMUTABLE" {
				c.fire(line, "image_tag_mutability", "")
			}
		})
	def(cc("TG-TF-AWS-024", finding.Low, "ECR scan on push disabled",
		"Images pushed to the repository are not scanned for known vulnerabilities.",
		"Set image_scanning_configuration { scan_on_push = true } (or registry-level enhanced scanning).", "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html"),
		[]string{"aws_ecr_repository"}, func(c *ctx) {
			sc, _ := c.n.block("image_scanning_configuration")
			if b, line, ok := sc.boolean("scan_on_push"); !ok || !b {
				c.fire(line, "image_scanning_configuration.scan_on_push", "")
			}
		})
	def(cc("TG-TF-AWS-025", finding.Medium, "SQS queue encryption disabled",
		"sqs_managed_sse_enabled = false without a KMS key leaves messages unencrypted at rest.",
		"Remove sqs_managed_sse_enabled = false or set kms_master_key_id.", "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html"),
		[]string{"aws_sqs_queue"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("sqs_managed_sse_enabled"); ok && !b && !c.n.has("kms_master_key_id") {
				c.fire(line, "sqs_managed_sse_enabled", "")
			}
		})
	def(cc("TG-TF-AWS-026", finding.Medium, "Lambda function URL without authentication",
		"authorization_type NONE makes the function callable by anyone on the internet.",
		"Use authorization_type = \"AWS_IAM\" or put the function behind API Gateway with auth.", "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"),
		[]string{"aws_lambda_function_url"}, func(c *ctx) {
			if a, line, ok := c.n.str("authorization_type"); ok && a == "NONE" {
				c.fire(line, "authorization_type", "")
			}
		})
	def(cc("TG-TF-AWS-027", finding.High, "OpenSearch domain not encrypted at rest",
		"The search domain's indices and snapshots are unencrypted at rest.",
		"Set encrypt_at_rest { enabled = true }.", "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/encryption-at-rest.html"),
		[]string{"aws_elasticsearch_domain", "aws_opensearch_domain"}, func(c *ctx) {
			e, _ := c.n.block("encrypt_at_rest")
			if b, line, ok := e.boolean("enabled"); !ok || !b {
				c.fire(line, "encrypt_at_rest.enabled", "")
			}
		})
	def(cc("TG-TF-AWS-028", finding.High, "Redshift cluster publicly accessible",
		"Redshift clusters are publicly accessible unless publicly_accessible = false.",
		"Set publicly_accessible = false.", "https://docs.aws.amazon.com/redshift/latest/mgmt/security.html"),
		[]string{"aws_redshift_cluster"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("publicly_accessible"); (ok && b) || !c.n.has("publicly_accessible") {
				c.fire(line, "publicly_accessible", "")
			}
		})
	def(cc("TG-TF-AWS-029", finding.Medium, "ElastiCache in-transit encryption disabled",
		"Traffic between clients and the Redis/Valkey replication group is unencrypted.",
		"Set transit_encryption_enabled = true.", "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html"),
		[]string{"aws_elasticache_replication_group"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("transit_encryption_enabled"); !ok || !b {
				c.fire(line, "transit_encryption_enabled", "")
			}
		})
}

// applicationLB reports whether the listener's load balancer, when declared in the module, is an
// application load balancer (the default load_balancer_type); an unknown one counts as application.
func applicationLB(c *ctx) bool {
	for _, o := range c.m.resources {
		if o.typ != "aws_lb" && o.typ != "aws_alb" {
			continue
		}
		on := o.node()
		on.ctx = c.n.ctx
		if !c.n.refersTo("load_balancer_arn", o.typ+"."+o.name) {
			continue
		}
		t, _, known := on.str("load_balancer_type")
		return !on.has("load_balancer_type") || (known && t == "application")
	}
	return true
}

func accountBlock(m *module) bool {
	for _, r := range m.resources {
		if r.typ == "aws_s3_account_public_access_block" {
			return true
		}
	}
	return false
}

// sgIngress fires on world-open ingress covering one of ports (or all ports when allPorts).
func sgIngress(c *ctx, ports []int, allPorts bool) {
	judge := func(n node, key string, cidrAttrs ...string) {
		var cidrs []string
		line := 0
		for _, a := range cidrAttrs {
			v, l, _ := n.strs(a)
			if anyWorld(v) && line == 0 {
				line = l
			}
			cidrs = append(cidrs, v...)
		}
		if !anyWorld(cidrs) {
			return
		}
		proto, _, _ := n.str("protocol")
		if proto == "" {
			proto, _, _ = n.str("ip_protocol")
		}
		from, _, okF := n.num("from_port")
		to, _, okT := n.num("to_port")
		all := proto == "-1" || proto == "all"
		if notTCP(proto) {
			return // SSH, RDP and the database ports listen on TCP
		}
		if !all && (!okF || !okT) {
			return
		}
		lo, hi := int(from), int(to)
		if all || (lo <= 0 && hi >= 65535) {
			if allPorts {
				c.fire(line, key, "ingress from anywhere to all ports")
			}
			return
		}
		if p, ok := covers(lo, hi, ports); ok {
			c.fire(line, key, fmt.Sprintf("ingress from anywhere to port %d", p))
		}
	}
	switch c.r.typ {
	case "aws_security_group":
		for _, in := range c.n.blocks("ingress") {
			judge(in, "ingress", "cidr_blocks", "ipv6_cidr_blocks")
		}
	case "aws_security_group_rule":
		if t, _, _ := c.n.str("type"); t == "ingress" {
			judge(c.n, "rule", "cidr_blocks", "ipv6_cidr_blocks")
		}
	case "aws_vpc_security_group_ingress_rule":
		judge(c.n, "rule", "cidr_ipv4", "cidr_ipv6")
	}
}

var iamTypes = []string{"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_s3_bucket_policy", "data.aws_iam_policy_document"}

type statement struct {
	effect    string
	actions   []string
	resources []string
	line      int
}

// statements reads allow statements from a JSON policy attribute or a policy document data source.
func statements(c *ctx) []statement {
	if c.r.data {
		var out []statement
		for _, s := range c.n.blocks("statement") {
			st := statement{effect: "Allow", line: s.line}
			if e, _, ok := s.str("effect"); ok {
				st.effect = e
			}
			st.actions, _, _ = s.strs("actions")
			st.resources, _, _ = s.strs("resources")
			out = append(out, st)
		}
		return out
	}
	doc, line, ok := c.n.str("policy")
	if !ok {
		return nil
	}
	var pol struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &pol) != nil {
		return nil
	}
	type raw struct {
		Effect   string
		Action   any
		Resource any
	}
	var list []raw
	if json.Unmarshal(pol.Statement, &list) != nil {
		var one raw
		if json.Unmarshal(pol.Statement, &one) != nil {
			return nil
		}
		list = []raw{one}
	}
	var out []statement
	for _, r := range list {
		out = append(out, statement{effect: r.Effect, actions: anyStrings(r.Action), resources: anyStrings(r.Resource), line: line})
	}
	return out
}

func anyStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func iamCheck(c *ctx, admin bool) {
	for _, st := range statements(c) {
		if !strings.EqualFold(st.effect, "Allow") {
			continue
		}
		fullAction := hasStr(st.actions, "*")
		if admin {
			if fullAction && hasStr(st.resources, "*") {
				c.fire(st.line, "statement:*:*", "")
			}
			continue
		}
		if fullAction && hasStr(st.resources, "*") {
			continue // reported as full admin
		}
		for _, a := range st.actions {
			if a == "*" || strings.HasSuffix(a, ":*") {
				c.fire(st.line, "statement:"+a, fmt.Sprintf("allows %s", a))
				break
			}
		}
	}
}
