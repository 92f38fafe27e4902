package dockerfile

import "testing"

// Two instructions failing one check in one stage must stay two findings for baselines and waivers,
// and moving them down the file must not change what identifies them.
func TestInstructionKeysSeparateAndIgnoreLines(t *testing.T) {
	src := "FROM alpine:3.20\nADD https://example.com/a.tgz /a\nADD https://example.com/b.tgz /b\nUSER app\n"
	hits, err := Scan([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, h := range hits {
		if h.ID == "TG-DOCKER-004" {
			keys[h.Resource+"|"+h.Key]++
		}
	}
	if len(keys) != 2 {
		t.Fatalf("two ADD-from-URL instructions gave keys %v, want two distinct", keys)
	}
	shifted, err := Scan([]byte("# a comment\n\n" + src))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range shifted {
		if h.ID == "TG-DOCKER-004" && keys[h.Resource+"|"+h.Key] == 0 {
			t.Errorf("key %q changed when lines moved", h.Key)
		}
	}
}
