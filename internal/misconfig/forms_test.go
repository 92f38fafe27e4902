package misconfig

import (
	"testing"
	"testing/fstest"
)

// TestAlternativeForms covers ways of writing a misconfiguration that a check's fixture does not
// show: defaults left implicit, other resource types and wrapper kinds that carry the same setting.
func TestAlternativeForms(t *testing.T) {
	cases := []struct {
		name, path, id, body string
		want                 bool
	}{
		{"versioning block without enabled", "main.tf", "TG-TF-AWS-004", `
resource "aws_s3_bucket" "b" {
  bucket = "b"
  versioning {
    mfa_delete = true
  }
}`, true},
		{"versioning block enabled", "main.tf", "TG-TF-AWS-004", `
resource "aws_s3_bucket" "b" {
  bucket = "b"
  versioning {
    enabled = true
  }
}`, false},
		{"listener without protocol on an application LB", "main.tf", "TG-TF-AWS-021", `
resource "aws_lb" "web" {
  name = "web"
}
resource "aws_lb_listener" "l" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:tg"
  }
}`, true},
		{"listener redirecting to plain HTTP", "main.tf", "TG-TF-AWS-021", `
resource "aws_lb_listener" "l" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:lb"
  port              = 80
  default_action {
    type = "redirect"
    redirect {
      port        = "8080"
      protocol    = "HTTP"
      status_code = "HTTP_301"
    }
  }
}`, true},
		{"listener without protocol but with a certificate", "main.tf", "TG-TF-AWS-021", `
resource "aws_lb_listener" "l" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:lb"
  port              = 443
  certificate_arn   = "arn:aws:acm:cert"
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:tg"
  }
}`, false},
		{"listener without protocol on a network LB", "main.tf", "TG-TF-AWS-021", `
resource "aws_lb" "nlb" {
  name               = "nlb"
  load_balancer_type = "network"
}
resource "aws_lb_listener" "l" {
  load_balancer_arn = aws_lb.nlb.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:tg"
  }
}`, false},
		{"MariaDB firewall rule for every address", "main.tf", "TG-TF-AZ-006", `
resource "azurerm_mariadb_firewall_rule" "all" {
  name                = "all"
  resource_group_name = "rg"
  server_name         = "db"
  start_ip_address    = "0.0.0.0"
  end_ip_address      = "255.255.255.255"
}`, true},
		{"public ACL through the S3 registry module", "main.tf", "TG-TF-AWS-001", `
module "assets" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "4.1.0"
  bucket  = "assets"
  acl     = "public-read"
}`, true},
		{"private ACL through the S3 registry module", "main.tf", "TG-TF-AWS-001", `
module "assets" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "4.1.0"
  bucket  = "assets"
  acl     = "private"
}`, false},
		{"public database through the RDS registry module", "main.tf", "TG-TF-AWS-008", `
module "db" {
  source              = "terraform-aws-modules/rds/aws"
  identifier          = "orders"
  publicly_accessible = true
}`, true},
		{"same input on an unknown module", "main.tf", "TG-TF-AWS-008", `
module "db" {
  source              = "example.com/acme/database/aws"
  publicly_accessible = true
}`, false},
		{"Knative Service on the host network", "manifest.yaml", "TG-K8S-003", `
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - image: registry.example.com/hello:1.0.0
`, true},
		{"Knative Service is no core Service", "manifest.yaml", "TG-K8S-029", `
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  type: NodePort
  template:
    spec:
      containers:
        - image: registry.example.com/hello:1.0.0
`, false},
		{"Knative Configuration sharing the host PID namespace", "manifest.yaml", "TG-K8S-004", `
apiVersion: serving.knative.dev/v1
kind: Configuration
metadata:
  name: hello
spec:
  template:
    spec:
      hostPID: true
      containers:
        - image: registry.example.com/hello:1.0.0
`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runTree(t, newScanner(t), fstest.MapFS{tc.path: &fstest.MapFile{Data: []byte(tc.body)}})
			if len(r.Skipped) > 0 {
				t.Fatalf("skipped: %+v", r.Skipped)
			}
			if got := len(find(r, tc.id)) > 0; got != tc.want {
				t.Errorf("%s fired = %v, want %v; got %v", tc.id, got, tc.want, ruleIDs(r))
			}
		})
	}
}
