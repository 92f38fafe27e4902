package terraform

import (
	"github.com/tollgate-dev/tollgate/internal/finding"
)

const refOpenSearch = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/security.html"

func init() {
	def(cc("TG-TF-AWS-034", finding.Medium, "ElastiCache encryption at rest disabled",
		"A Redis replication group without at_rest_encryption_enabled keeps its data, backups and swap unencrypted on disk (Valkey groups are encrypted by default).",
		"Set at_rest_encryption_enabled = true (with kms_key_id for a customer-managed key); it can only be set when the group is created.",
		"https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html",
		refTFAWS+"/resources/elasticache_replication_group"),
		[]string{"aws_elasticache_replication_group"}, func(c *ctx) {
			b, line, ok := c.n.boolean("at_rest_encryption_enabled")
			if ok {
				if !b {
					c.fire(line, "at_rest_encryption_enabled", "")
				}
				return
			}
			if c.n.has("at_rest_encryption_enabled") {
				return // computed; nothing to judge
			}
			if e, _, known := c.n.str("engine"); (known && e == "redis") || !c.n.has("engine") {
				c.fire(0, "at_rest_encryption_enabled", "at_rest_encryption_enabled is not set (defaults to false for Redis)")
			}
		})
	def(cc("TG-TF-AWS-035", finding.High, "Redshift cluster not encrypted",
		"encrypted = false leaves the warehouse's data blocks, metadata and snapshots unencrypted at rest.",
		"Set encrypted = true (with kms_key_id for a customer-managed key).",
		"https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-db-encryption.html",
		refTFAWS+"/resources/redshift_cluster#encrypted"),
		[]string{"aws_redshift_cluster"}, func(c *ctx) {
			// the provider's default changed to true in v6, so only an explicit false is certain
			if b, line, ok := c.n.boolean("encrypted"); ok && !b {
				c.fire(line, "encrypted", "")
			}
		})
	def(cc("TG-TF-AWS-036", finding.Medium, "OpenSearch node-to-node encryption disabled",
		"Without node_to_node_encryption the domain's nodes exchange index data and queries in clear text inside the VPC.",
		"Set node_to_node_encryption { enabled = true }.",
		"https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ntn.html", refOpenSearch),
		[]string{"aws_elasticsearch_domain", "aws_opensearch_domain"}, func(c *ctx) {
			n, _ := c.n.block("node_to_node_encryption")
			if b, line, ok := n.boolean("enabled"); (ok && !b) || !n.has("enabled") {
				c.fire(line, "node_to_node_encryption.enabled", "")
			}
		})
	def(cc("TG-TF-AWS-037", finding.Medium, "OpenSearch endpoint allows plain HTTP or TLS 1.0",
		"domain_endpoint_options with enforce_https = false or the Policy-Min-TLS-1-0-2019-07 security policy lets clients send credentials and data unencrypted or over TLS 1.0/1.1.",
		"Set domain_endpoint_options { enforce_https = true, tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\" } (or a newer TLS 1.2 policy).",
		"https://docs.aws.amazon.com/opensearch-service/latest/developerguide/infrastructure-security.html", refOpenSearch),
		[]string{"aws_elasticsearch_domain", "aws_opensearch_domain"}, func(c *ctx) {
			d, ok := c.n.block("domain_endpoint_options")
			if !ok {
				return
			}
			if b, line, known := d.boolean("enforce_https"); known && !b {
				c.fire(line, "domain_endpoint_options.enforce_https", "enforce_https is false")
			}
			if p, line, known := d.str("tls_security_policy"); known && p == "Policy-Min-TLS-1-0-2019-07" {
				c.fire(line, "domain_endpoint_options.tls_security_policy", "TLS security policy "+p)
			}
		})
	def(cc("TG-TF-AWS-038", finding.Low, "API Gateway stage without access logging",
		"A stage without access_log_settings keeps no record of who called the API, from where, and with what result.",
		"Add access_log_settings { destination_arn = <CloudWatch log group ARN>, format = ... } to the stage.",
		"https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
		"https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html"),
		[]string{"aws_api_gateway_stage", "aws_apigatewayv2_stage"}, func(c *ctx) {
			if _, ok := c.n.block("access_log_settings"); !ok {
				c.fire(0, "access_log_settings", "")
			}
		})
}
