package secrets

// The prefilter is a hand-built Aho-Corasick automaton compiled to a dense DFA over byte classes.
// It folds ASCII case in the class table, so the content is never copied or lowercased, and the hot
// loop is one table load and one compare per byte. Measured against general-purpose Go AC libraries
// (which return word indices, not positions, or allocate per match), a dense DFA is both simpler and
// several times faster for a dictionary of a few hundred short keywords.

// prefilter finds every occurrence of every keyword, case-insensitively (ASCII).
type prefilter struct {
	class    [256]uint8 // byte -> equivalence class; 0 means "in no keyword"
	nclass   uint32
	trans    []uint32 // premultiplied: trans[state+class] is the next state (itself premultiplied)
	firstHit uint32   // states at or above this (premultiplied) id end at least one keyword
	out      [][]int  // (state/nclass - firstHit/nclass) -> keyword ids ending there
	keywords []string
}

// prefixLen bounds the automaton's depth: only the first bytes of each keyword go into the DFA and
// the rest is compared at a hit. A shallow DFA has few states, so its table stays in cache; the
// dense full-keyword DFA of ~400 rules was 4x slower for cache misses alone.
const prefixLen = 4

// hitFunc receives a keyword id and the offset just past its last byte. Returning false stops the scan.
type hitFunc func(kw int, end int) bool

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func newPrefilter(keywords []string) *prefilter {
	p := &prefilter{keywords: keywords}
	// Byte classes: one per distinct (folded) keyword byte.
	var seen [256]uint8
	n := uint8(1)
	for _, k := range keywords {
		for i := 0; i < len(k); i++ {
			c := lowerASCII(k[i])
			if seen[c] == 0 {
				seen[c] = n
				n++
			}
		}
	}
	for b := 0; b < 256; b++ {
		p.class[b] = seen[lowerASCII(byte(b))]
	}
	p.nclass = uint32(n)
	nc := int(n)

	// Trie.
	type node struct {
		next []int32 // by class, -1 = none
		fail int
		out  []int
	}
	newNode := func() node {
		nx := make([]int32, nc)
		for i := range nx {
			nx[i] = -1
		}
		return node{next: nx}
	}
	nodes := []node{newNode()}
	for id, k := range keywords {
		s := 0
		k = k[:min(len(k), prefixLen)]
		for i := 0; i < len(k); i++ {
			c := p.class[k[i]]
			if nodes[s].next[c] < 0 {
				nodes = append(nodes, newNode())
				nodes[s].next[c] = int32(len(nodes) - 1)
			}
			s = int(nodes[s].next[c])
		}
		if len(k) > 0 {
			nodes[s].out = append(nodes[s].out, id)
		}
	}
	// BFS: failure links and full DFA transitions.
	queue := []int{}
	for c := 0; c < nc; c++ {
		if t := nodes[0].next[c]; t >= 0 {
			nodes[t].fail = 0
			queue = append(queue, int(t))
		} else {
			nodes[0].next[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		nodes[s].out = append(nodes[s].out, nodes[nodes[s].fail].out...)
		for c := 0; c < nc; c++ {
			t := nodes[s].next[c]
			if t >= 0 {
				nodes[t].fail = int(nodes[nodes[s].fail].next[c])
				queue = append(queue, int(t))
			} else {
				nodes[s].next[c] = nodes[nodes[s].fail].next[c]
			}
		}
	}
	// Renumber so that every state with output comes last: the hot loop then tests one compare.
	order := make([]int, 0, len(nodes))
	for i := range nodes {
		if len(nodes[i].out) == 0 {
			order = append(order, i)
		}
	}
	first := len(order)
	for i := range nodes {
		if len(nodes[i].out) > 0 {
			order = append(order, i)
		}
	}
	newID := make([]uint32, len(nodes))
	for ni, old := range order {
		newID[old] = uint32(ni)
	}
	p.trans = make([]uint32, len(nodes)*nc)
	p.out = make([][]int, len(nodes)-first)
	for ni, old := range order {
		for c := 0; c < nc; c++ {
			p.trans[ni*nc+c] = newID[nodes[old].next[c]] * uint32(nc)
		}
		if ni >= first {
			p.out[ni-first] = nodes[old].out
		}
	}
	p.firstHit = uint32(first) * uint32(nc)
	return p
}

// twoStreamMin is the input size from which scan runs two interleaved automata. The hot loop is
// bound by the latency of the dependent state load (one per byte, ~480 MB/s); two independent
// state chains over the two halves of the input overlap those latencies.
const twoStreamMin = 4096

// scan runs the automaton once over data and reports every keyword occurrence in order of its end.
func (p *prefilter) scan(data []byte, hit hitFunc) {
	if len(data) < twoStreamMin {
		p.scanFrom(data, 0, 0, hit)
		return
	}
	// Stream A covers ends in [0, mid); stream B starts prefixLen-1 bytes earlier from the root,
	// which is enough history for an automaton of depth prefixLen, and reports ends >= mid. A's
	// hits are delivered at once; B's are buffered and delivered after A's, so the order holds.
	mid := len(data) / 2
	bStart := mid - (prefixLen - 1)
	trans := p.trans
	class := &p.class
	first := p.firstHit
	var sa, sb uint32
	var pending []int // B's hits as (state, i) pairs, delivered after A
	b := data[bStart:]
	a := data[:mid]
	stopped := false
	for k := 0; k < len(a); k++ {
		sa = trans[sa+uint32(class[a[k]])]
		sb = trans[sb+uint32(class[b[k]])]
		if sa >= first && !stopped {
			if !p.report(data, sa, k, hit) {
				stopped = true
			}
		}
		if sb >= first && bStart+k >= mid {
			pending = append(pending, int(sb), bStart+k)
		}
	}
	if stopped {
		return
	}
	for x := 0; x < len(pending); x += 2 {
		if !p.report(data, uint32(pending[x]), pending[x+1], hit) {
			return
		}
	}
	p.scanFrom(data, bStart+len(a), sb, hit)
}

// scanFrom runs the automaton from state s over data[from:].
func (p *prefilter) scanFrom(data []byte, from int, s uint32, hit hitFunc) {
	trans := p.trans
	class := &p.class
	first := p.firstHit
	for i := from; i < len(data); i++ {
		s = trans[s+uint32(class[data[i]])]
		if s >= first {
			if !p.report(data, s, i, hit) {
				return
			}
		}
	}
}

// report verifies the keywords ending in state s at byte i beyond the automaton's depth and
// passes them on. It returns false when hit asks to stop.
func (p *prefilter) report(data []byte, s uint32, i int, hit hitFunc) bool {
	for _, kw := range p.out[(s-p.firstHit)/p.nclass] {
		k := p.keywords[kw]
		start := i + 1 - min(len(k), prefixLen)
		end := start + len(k)
		if len(k) > prefixLen && (end > len(data) || !equalFoldASCII(data[start+prefixLen:end], k[prefixLen:])) {
			continue
		}
		if !hit(kw, end) {
			return false
		}
	}
	return true
}

// equalFoldASCII compares b with the lowercase keyword k, folding ASCII letters in b.
func equalFoldASCII(b []byte, k string) bool {
	if len(b) != len(k) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lowerASCII(b[i]) != k[i] {
			return false
		}
	}
	return true
}
