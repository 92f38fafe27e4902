package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A .gitleaks.toml from the scanned tree is hostile: its [extend] path must not read outside the
// tree, while the same file given by the user (no root) may extend from anywhere.
func TestTreeConfigStaysInsideTheTree(t *testing.T) {
	outside := t.TempDir()
	base := filepath.Join(outside, "base.toml")
	if err := os.WriteFile(base, []byte("[extend]\nuseDefault = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tree := t.TempDir()
	cfg := filepath.Join(tree, ".gitleaks.toml")
	if err := os.WriteFile(cfg, []byte("[extend]\npath = \""+base+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{ConfigPath: cfg}); err != nil {
		t.Fatalf("a user-given config may extend any file: %v", err)
	}
	_, err := New(Options{ConfigPath: cfg, ConfigRoot: tree})
	if err == nil || !strings.Contains(err.Error(), "secret config") {
		t.Fatalf("a tree's config extending %s must be refused, got %v", base, err)
	}
	if err := os.WriteFile(cfg, []byte("[extend]\npath = \"../"+filepath.Base(outside)+"/base.toml\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{ConfigPath: cfg, ConfigRoot: tree}); err == nil {
		t.Fatal("a relative [extend] path climbing out of the tree must be refused")
	}
}

func TestConfigSizeIsBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.toml")
	if err := os.WriteFile(p, []byte("# "+strings.Repeat("x", maxConfigSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{ConfigPath: p}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want a size error", err)
	}
}
