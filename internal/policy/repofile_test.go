package policy

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A hostile tree must not block the gate (a FIFO), reach outside itself (a symlink to a file whose
// text would land in error messages) or cost unbounded memory; each is an error, so the scan exits 2.
func TestLoadRefusesHostileTreeFiles(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(outside, []byte("fail-on: high\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"fifo tollgate.yaml", func(t *testing.T, dir string) { mkfifo(t, filepath.Join(dir, ConfigFile)) }},
		{"fifo .trivyignore", func(t *testing.T, dir string) { mkfifo(t, filepath.Join(dir, ".trivyignore")) }},
		{"fifo .gitleaksignore", func(t *testing.T, dir string) { mkfifo(t, filepath.Join(dir, ".gitleaksignore")) }},
		{"tollgate.yaml linked out of the tree", func(t *testing.T, dir string) {
			if err := os.Symlink(outside, filepath.Join(dir, ConfigFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{"baseline outside the tree", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, ConfigFile), "baseline: "+outside+"\n")
		}},
		{"vex climbing out of the tree", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, ConfigFile), "vex: [../../environ]\n")
		}},
		{"oversized .trivyignore", func(t *testing.T, dir string) {
			f, err := os.Create(filepath.Join(dir, ".trivyignore"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(maxRepoFile + 1); err != nil { // sparse: no real disk use
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			done := make(chan error, 1)
			go func() {
				_, _, err := Load(Inputs{Root: dir, Now: time.Now()})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("Load accepted a hostile tree file")
				}
			case <-time.After(30 * time.Second): // a hang, not a timing assertion
				t.Fatal("Load blocked")
			}
		})
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
