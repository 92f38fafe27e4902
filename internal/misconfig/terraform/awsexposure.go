package terraform

import (
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// cloudFrontWeakTLS are viewer security policies that still accept TLS 1.0/1.1 (or SSLv3).
var cloudFrontWeakTLS = map[string]bool{"SSLv3": true, "TLSv1": true, "TLSv1_2016": true, "TLSv1.1_2016": true}

func init() {
	def(cc("TG-TF-AWS-031", finding.High, "Lambda permission lets any principal invoke the function",
		"An aws_lambda_permission with principal \"*\" and no source_arn, source_account or principal_org_id lets every AWS account invoke the function.",
		"Set principal to the service or account that calls the function and add source_arn (and source_account for S3) or principal_org_id.",
		"https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html",
		refTFAWS+"/resources/lambda_permission"),
		[]string{"aws_lambda_permission"}, func(c *ctx) {
			p, line, ok := c.n.str("principal")
			if !ok || strings.TrimSpace(p) != "*" {
				return
			}
			for _, k := range []string{"source_arn", "source_account", "principal_org_id"} {
				if c.n.has(k) {
					return
				}
			}
			c.fire(line, "principal", "")
		})
	def(cc("TG-TF-AWS-032", finding.Medium, "EBS encryption by default disabled",
		"aws_ebs_encryption_by_default with enabled = false lets new volumes and snapshot copies in the region be created unencrypted.",
		"Set enabled = true (optionally with aws_ebs_default_kms_key for a customer-managed key).",
		"https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
		refAWSCIS+" 2.2.1"),
		[]string{"aws_ebs_encryption_by_default"}, func(c *ctx) {
			if b, line, ok := c.n.boolean("enabled"); ok && !b {
				c.fire(line, "enabled", "")
			}
		})
	def(cc("TG-TF-AWS-033", finding.Medium, "CloudFront accepts TLS older than 1.2",
		"A viewer certificate whose minimum_protocol_version is SSLv3, TLSv1, TLSv1_2016 or TLSv1.1_2016 (TLSv1 is the provider default with a custom certificate) lets viewers negotiate TLS 1.0/1.1.",
		"Set viewer_certificate { minimum_protocol_version = \"TLSv1.2_2021\" } (or newer).",
		"https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html",
		refTFAWS+"/resources/cloudfront_distribution#viewer-certificate-arguments"),
		[]string{"aws_cloudfront_distribution"}, func(c *ctx) {
			vc, ok := c.n.block("viewer_certificate")
			if !ok {
				return
			}
			if v, line, known := vc.str("minimum_protocol_version"); known {
				if cloudFrontWeakTLS[v] {
					c.fire(line, "viewer_certificate.minimum_protocol_version", "minimum protocol "+v)
				}
				return
			}
			if vc.has("minimum_protocol_version") {
				return // computed elsewhere; nothing to judge
			}
			// the *.cloudfront.net certificate is pinned to TLSv1 by AWS and cannot be changed, so only
			// a custom certificate left at the default is a choice the author can fix
			if vc.has("acm_certificate_arn") || vc.has("iam_certificate_id") {
				c.fire(vc.line, "viewer_certificate.minimum_protocol_version", "minimum_protocol_version is not set (defaults to TLSv1)")
			}
		})
}
