package secrets

import (
	"os"
	"sort"
	"testing"
)

func TestKeywordHits(t *testing.T) {
	if os.Getenv("TOLLGATE_GOTREE") == "" {
		t.Skip()
	}
	files := goCorpus(&testing.B{})
	s := newTestScanner(t)
	counts := make([]int, len(s.pf.keywords))
	for _, f := range files {
		s.pf.scan(f.Content, func(kw, end int) bool { counts[kw]++; return true })
	}
	idx := make([]int, len(counts))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return counts[idx[a]] > counts[idx[b]] })
	for _, i := range idx[:30] {
		t.Logf("%-30q %d rules=%d", s.pf.keywords[i], counts[i], len(s.kwRules[i]))
	}
}
