package secrets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTwoStreamScan: the interleaved two-stream scan reports exactly the hits of a single pass, in
// the same order, including keywords that straddle the middle of the input and a stop request.
func TestTwoStreamScan(t *testing.T) {
	s := newTestScanner(t)
	kws := s.pf.keywords
	r := rand.New(rand.NewPCG(7, 7))
	for n := range 200 {
		size := twoStreamMin + r.IntN(3*twoStreamMin)
		buf := make([]byte, 0, size+64)
		for len(buf) < size {
			if r.IntN(8) == 0 {
				k := []byte(kws[r.IntN(len(kws))])
				if r.IntN(2) == 0 {
					k[0] = lowerASCII(k[0]) - 32*byte(btoi(k[0] >= 'a' && k[0] <= 'z'))
				}
				buf = append(buf, k...)
			} else {
				buf = append(buf, " \n=:_-.aeiostAKIAghp"[r.IntN(20)])
			}
		}
		// A keyword across the middle.
		k := kws[r.IntN(len(kws))]
		mid := len(buf) / 2
		copy(buf[max(0, mid-len(k)/2):], k)

		type h struct{ kw, end int }
		var one, two []h
		s.pf.scanFrom(buf, 0, 0, func(kw, end int) bool { one = append(one, h{kw, end}); return true })
		s.pf.scan(buf, func(kw, end int) bool { two = append(two, h{kw, end}); return true })
		if !slices.Equal(one, two) {
			t.Fatalf("case %d: two-stream hits differ: %d vs %d", n, len(two), len(one))
		}
		if len(one) > 2 {
			stop := len(one) / 2
			var got []h
			s.pf.scan(buf, func(kw, end int) bool { got = append(got, h{kw, end}); return len(got) < stop })
			if !slices.Equal(got, one[:stop]) {
				t.Fatalf("case %d: stop after %d hits delivered %d", n, stop, len(got))
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
