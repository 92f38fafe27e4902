package terraform

import (
	"encoding/json"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Resource policies (S3, SNS, SQS, KMS, ECR, Lambda) name who may act on the resource. Unlike an
// identity policy, Principal "*" there means every AWS account and anonymous callers, so an Allow
// to "*" is only safe when a Condition narrows it (aws:SourceArn, aws:PrincipalOrgID, aws:SecureTransport…).

var resourcePolicyTypes = []string{
	"aws_s3_bucket_policy", "aws_sns_topic_policy", "aws_sns_topic", "aws_sqs_queue_policy", "aws_sqs_queue",
	"aws_kms_key", "aws_kms_key_policy", "aws_ecr_repository_policy", "aws_secretsmanager_secret_policy",
	"aws_glacier_vault", "data.aws_iam_policy_document",
}

func init() {
	def(cc("TG-TF-AWS-030", finding.High, "Resource policy allows any principal without a condition",
		"An Allow statement with Principal \"*\" and no Condition lets every AWS account, and for S3, SNS and SQS anonymous callers, perform the listed actions on the resource.",
		"Name the account or role ARNs that need access, or add a Condition (aws:PrincipalOrgID, aws:SourceArn, aws:SourceAccount) that narrows \"*\".",
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status",
		refAWSCIS+" 2.1.4 (S3 Block Public Access)"),
		resourcePolicyTypes, func(c *ctx) {
			if c.r.data {
				for _, s := range c.n.blocks("statement") {
					if e, _, ok := s.str("effect"); ok && !strings.EqualFold(e, "Allow") {
						continue
					}
					if len(s.blocks("condition")) > 0 {
						continue
					}
					for _, p := range s.blocks("principals") {
						typ, _, _ := p.str("type")
						ids, line, _ := p.strs("identifiers")
						if (typ == "*" || typ == "AWS") && hasStr(ids, "*") {
							c.fire(line, "statement.principals", "")
							break
						}
					}
				}
				return
			}
			doc, line, ok := policyJSON(c.n, "policy")
			if !ok {
				return
			}
			for _, st := range policyStatements(doc) {
				if strings.EqualFold(st.Effect, "Allow") && !hasCondition(st.Condition) && principalIsAnyone(st.Principal) {
					c.fire(line, "policy.Principal", "")
					return
				}
			}
		})
}

type policyStatement struct {
	Effect    string
	Principal any
	Condition any
}

// hasCondition: an unknown condition (a placeholder string) counts as present, so only a policy
// written without one fires.
func hasCondition(c any) bool {
	switch t := c.(type) {
	case nil:
		return false
	case map[string]any:
		return len(t) > 0
	}
	return true
}

// unknownJSON stands in for values Terraform only learns at apply (an ARN of another resource).
const unknownJSON = "<unknown>"

// policyJSON returns a policy attribute as JSON text. A jsonencode({...}) whose object mentions
// another resource's attribute is unknown as a whole, so its argument is read as an object and the
// unknown parts replaced by a placeholder: the Principal and Condition are usually literal.
func policyJSON(n node, name string) (string, int, bool) {
	if n.body != nil {
		if a, ok := n.body.Attributes[name]; ok {
			if call, ok := a.Expr.(*hclsyntax.FunctionCallExpr); ok && call.Name == "jsonencode" && len(call.Args) == 1 {
				v := evalExpr(call.Args[0], n.ctx)
				b, err := json.Marshal(ctyToAny(v, 0))
				if err != nil {
					return "", a.SrcRange.Start.Line, false
				}
				return string(b), a.SrcRange.Start.Line, true
			}
		}
	}
	return n.str(name)
}

// ctyToAny converts a value for JSON with unknowns as unknownJSON; depth is bounded like evaluation.
func ctyToAny(v cty.Value, depth int) any {
	if v == cty.NilVal || v.IsMarked() || !v.IsKnown() || depth > maxValueDepth {
		return unknownJSON
	}
	if v.IsNull() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case t == cty.Bool:
		return v.True()
	case t.IsObjectType() || t.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = ctyToAny(e, depth+1)
		}
		return out
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ctyToAny(e, depth+1))
		}
		return out
	}
	return unknownJSON
}

// policyStatements reads a JSON policy's statements; Statement may be one object or a list.
func policyStatements(doc string) []policyStatement {
	var pol struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &pol) != nil || len(pol.Statement) == 0 {
		return nil
	}
	var list []policyStatement
	if json.Unmarshal(pol.Statement, &list) == nil {
		return list
	}
	var one policyStatement
	if json.Unmarshal(pol.Statement, &one) != nil {
		return nil
	}
	return []policyStatement{one}
}

// principalIsAnyone matches "*" and {"AWS": "*"} / {"AWS": ["*"]}; service principals are named, not anyone.
func principalIsAnyone(p any) bool {
	switch t := p.(type) {
	case string:
		return t == "*"
	case map[string]any:
		return hasStr(anyStrings(t["AWS"]), "*")
	}
	return false
}
