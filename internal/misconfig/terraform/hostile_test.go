package terraform

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

// normalTF has findings of its own; a hostile file next to it must not hide them.
const normalTF = `locals { acl = "public-read" }
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  acl    = local.acl
}
resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`

// expLocals is the QA repro: locals whose fully expanded size is 10*4^n, written in O(n) bytes.
func expLocals(prefix string, n int, item string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "locals {\n  %s0 = \"xxxxxxxxxx\"\n", prefix)
	for i := 1; i < n; i++ {
		p := fmt.Sprintf("local.%s%d", prefix, i-1)
		fmt.Fprintf(&b, "  %s%d = %s\n", prefix, i, strings.ReplaceAll(item, "P", p))
	}
	b.WriteString("}\n")
	return b.String()
}

func numList(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func bucketWith(attrs string) string {
	return "resource \"aws_s3_bucket\" \"evil\" {\n  bucket = \"evil\"\n" + attrs + "\n}\n"
}

var hostile = []struct{ name, tf string }{
	{"exponential locals, unused", expLocals("a", 40, "[P, P, P, P]")},
	{"exponential locals, used", expLocals("a", 40, "[P, P, P, P]") +
		bucketWith(`  acl = local.a39[0][0]
  tags = { a = jsonencode(local.a39), b = length(flatten(local.a20)), c = tostring(local.a9) }`)},
	{"exponential objects", expLocals("o", 40, "{ k = P, l = P, m = P }") + bucketWith(`  tags = local.o39`)},
	{"exponential strings", expLocals("s", 40, `"${P}${P}${P}${P}"`) + bucketWith(`  acl = local.s39`)},
	{"nested for over a literal", "locals { l = " + numList(2000) + " }\n" +
		bucketWith(`  tags = [for a in local.l : [for b in local.l : [for c in local.l : c]]]`)},
	{"for over an exponential local", expLocals("a", 9, "[P, P, P, P]") +
		bucketWith(`  tags = [for x in local.a8 : [for y in local.a8 : local.a8]]
  acl = jsonencode([for x in local.a8 : local.a8])`)},
	{"format width", bucketWith(`  acl = format("%0999999999d", 1)
  policy = format("%.999999999f", 1)
  tags = format("%[1]*d", 999999999, 1)`)},
	{"format repeat", expLocals("s", 8, `"${P}${P}${P}${P}"`) +
		bucketWith(`  acl = format("`+strings.Repeat("%[1]s", 5000)+`", local.s7)`)},
	{"join and replace", expLocals("s", 9, `"${P}${P}${P}${P}"`) + "locals { l = " + numList(50000) + " }\n" +
		bucketWith(`  acl = join(local.s8, local.l)
  policy = replace(local.s8, "", local.s8)
  tags = replace(local.s8, "/x/", local.s8)`)},
	{"split and distinct", "locals { c = \"" + strings.Repeat(",", 200000) + "\" }\n" +
		bucketWith(`  acl = length(split("", local.c))
  tags = distinct(split(",", local.c))`)},
	{"huge numbers", bucketWith(`  acl = 1e999999999
  policy = tostring(1e-999999999)
  tags = { a = "${1e99999999}" }`)},
	{"jsondecode", bucketWith(`  acl = jsondecode("` + strings.Repeat("[", 100000) + `")
  tags = jsondecode("` + "[" + strings.Repeat("1,", 400000) + "1]" + `")`)},
	{"long chain and cycle", func() string {
		var b strings.Builder
		b.WriteString("locals {\n  c0 = local.c19999\n")
		for i := 1; i < 20000; i++ {
			fmt.Fprintf(&b, "  c%d = [local.c%d, local.c%d]\n", i, i-1, i-1)
		}
		b.WriteString("}\n")
		return b.String() + bucketWith("  acl = local.c19999")
	}()},
	{"variable default", "variable \"v\" {\n  default = [for a in " + numList(3000) + " : [for b in " + numList(3000) + " : b]]\n}\n" +
		bucketWith(`  acl = var.v`)},
	{"module fan-out", func() string {
		var b strings.Builder
		for i := 0; i < 30; i++ {
			fmt.Fprintf(&b, "module \"m%d\" {\n  source = \"./\"\n  x = local.a39\n}\n", i)
		}
		return b.String() + expLocals("a", 40, "[P, P, P, P]")
	}()},
}

func scanDir(t *testing.T, files map[string]string, file string) []check.Hit {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys["dir/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	hits, err := NewEvaluator().ScanFile(fsys, "dir/"+file, []byte(files[file]))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return hits
}

// TestHostileInputsFinish: each hostile file finishes (the package's test timeout is the bound),
// and the findings of a normal file in the same module are the same as without it.
func TestHostileInputsFinish(t *testing.T) {
	want := scanDir(t, map[string]string{"normal.tf": normalTF}, "normal.tf")
	if len(want) < 2 {
		t.Fatalf("normal file gives %d hits, the test needs its findings: %+v", len(want), want)
	}
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"normal.tf": normalTF, "evil.tf": tc.tf}
			scanDir(t, files, "evil.tf")
			if got := scanDir(t, files, "normal.tf"); !reflect.DeepEqual(got, want) {
				t.Errorf("normal file next to hostile one:\n got %+v\nwant %+v", got, want)
			}
			if _, err := Input("evil.tf", []byte(tc.tf)); err != nil {
				t.Errorf("Input: %v", err)
			}
		})
	}
}

// TestBudgetKeepsOrdinaryValues: the limits leave realistic configurations fully evaluated.
func TestBudgetKeepsOrdinaryValues(t *testing.T) {
	tf := `variable "cidrs" { default = ["10.0.0.0/8", "0.0.0.0/0"] }
locals {
  ports = [for p in [22, 80, 443] : p if p != 80]
  name  = format("%s-%03d", "bucket", 7)
  rules = { for i, p in local.ports : tostring(i) => { port = p, cidrs = var.cidrs } }
  acl   = replace(join(",", ["public", "read"]), ",", "-")
}
resource "aws_s3_bucket" "b" {
  bucket = local.name
  acl    = local.acl
}
resource "aws_security_group" "sg" {
  dynamic "ingress" {
    for_each = local.rules
    content {
      from_port   = local.ports[0]
      to_port     = local.ports[0]
      cidr_blocks = var.cidrs
    }
  }
}
`
	hits := scanDir(t, map[string]string{"main.tf": tf}, "main.tf")
	ids := map[string]bool{}
	for _, h := range hits {
		ids[h.Resource] = true
	}
	if !ids["aws_s3_bucket.b"] || !ids["aws_security_group.sg"] {
		t.Errorf("evaluated locals lost their findings: %+v", hits)
	}
}
