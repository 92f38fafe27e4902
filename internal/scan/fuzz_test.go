package scan

import (
	"context"
	"testing"
)

// FuzzRun feeds arbitrary content and line maps through the engine: it must never panic and every
// finding must point at a line the content or its map can name.
func FuzzRun(f *testing.F) {
	f.Add([]byte("TOKEN\n\x00TOKEN"), 3)
	f.Add([]byte("\xff\xfeTOKEN\r\nPANIC"), 0)
	f.Add([]byte{}, 1)
	f.Fuzz(func(t *testing.T, content []byte, mapLen int) {
		m := newMem("f", string(content))
		if mapLen > 0 && mapLen < 1000 {
			for i := range mapLen {
				m.lineMap = append(m.lineMap, 100+i)
			}
		}
		rep, err := Run(context.Background(), histSource{m}, Options{Analyzers: []Analyzer{&lineAnalyzer{name: "x", history: true}}, MaxFileSize: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range rep.Findings {
			if fd.Location.StartLine < 1 {
				t.Fatalf("line %d", fd.Location.StartLine)
			}
		}
	})
}
