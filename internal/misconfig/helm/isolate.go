package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
)

// Why a child process: helm's template engine cannot be cancelled and has no memory bound. A
// chart is hostile input, and one line of it (`{{ repeat 2000000000 "x" }}`, an `include` that calls
// itself twice per level, `until 100000000`) can run for hours or allocate gigabytes. helm caps
// include depth at 1000 per name, which stops plain recursion but not exponential fan-out. So each
// chart renders in a child copy of this binary with a deadline, a heap ceiling and a cap on what
// it may print; killing the child is the only reliable way to stop a runaway text/template.
// Where the binary cannot re-exec itself, rendering falls back to a goroutine abandoned at the
// deadline (time-bounded for the scan, but not memory-bounded).

const (
	childArg = "__tollgate-helm-render"
	childEnv = "TOLLGATE_HELM_RENDER_CHILD"
	// Timeout bounds one chart's render.
	Timeout = 10 * time.Second
	// MaxOutput bounds the rendered manifests of one chart.
	MaxOutput = 64 << 20
	// childHeap is the heap size past which a rendering child gives up.
	childHeap = 1 << 30
	// maxChildren bounds concurrent renders: each may take up to childHeap.
	maxChildren = 2
)

var (
	children = make(chan struct{}, maxChildren)
	// renderTimeout is Timeout; tests shorten it.
	renderTimeout = Timeout
)

func init() {
	// The child mode is entered only with both the argument and the variable, so neither an
	// inherited environment nor a user's argument can put tollgate into it by accident.
	if len(os.Args) > 1 && os.Args[1] == childArg && os.Getenv(childEnv) == "1" {
		os.Exit(serveChild(os.Stdin, os.Stdout))
	}
}

type request struct {
	Files  []*loader.BufferedFile
	Values map[string]any
}

type response struct {
	Rendered map[string]string
	Error    string
}

func serveChild(in io.Reader, out io.Writer) int {
	debug.SetMemoryLimit(childHeap / 2)
	limitAddressSpace(4 * childHeap)
	go watchHeap()
	var req request
	if err := json.NewDecoder(io.LimitReader(in, 4*MaxBytes)).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "helm render child:", err)
		return 2
	}
	var resp response
	r, err := renderFiles(req.Files, req.Values)
	if err != nil {
		resp.Error = err.Error()
	}
	resp.Rendered = r
	if err := json.NewEncoder(out).Encode(resp); err != nil {
		return 2
	}
	return 0
}

// watchHeap ends the child when its heap passes the ceiling; allocation by allocation the runtime
// cannot be told to fail, so the check polls.
func watchHeap() {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for range time.Tick(10 * time.Millisecond) {
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() > childHeap {
			fmt.Fprintf(os.Stderr, "rendering used more than %d bytes of memory\n", childHeap)
			os.Exit(3)
		}
	}
}

// errRender marks failures of the chart itself (as opposed to the isolation machinery).
var errRender = errors.New("render")

// render renders a chart's files in a child process, falling back to in-process rendering when the
// binary cannot be re-executed.
func render(ctx context.Context, files []*loader.BufferedFile, user map[string]any) (map[string]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return renderInProcess(ctx, files, user)
	}
	body, err := json.Marshal(request{Files: files, Values: user})
	if err != nil {
		return nil, err
	}
	select {
	case children <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-children }()
	ctx, cancel := context.WithTimeout(ctx, renderTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, childArg)
	// A minimal environment: the child needs nothing from the user's (no proxies, no kubeconfig).
	cmd.Env = []string{childEnv + "=1", "GOMAXPROCS=1"}
	cmd.Stdin = bytes.NewReader(body)
	var stderr capped
	stderr.max = 4096
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return renderInProcess(ctx, files, user)
	}
	out, readErr := io.ReadAll(io.LimitReader(stdout, MaxOutput+1))
	if len(out) > MaxOutput {
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return nil, fmt.Errorf("%w: rendering took longer than %s", errRender, renderTimeout)
	case len(out) > MaxOutput:
		return nil, fmt.Errorf("%w: rendered output exceeds %d bytes", errRender, MaxOutput)
	case readErr != nil:
		return nil, readErr
	case waitErr != nil:
		return nil, fmt.Errorf("%w: renderer failed: %v: %s", errRender, waitErr, strings.TrimSpace(stderr.String()))
	}
	var resp response
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, fmt.Errorf("renderer output: %w", err)
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("%w: %s", errRender, cut(resp.Error))
	}
	return resp.Rendered, nil
}

// renderInProcess runs the engine on a goroutine and stops waiting at the deadline. The goroutine
// cannot be stopped and runs on; the result is dropped.
func renderInProcess(ctx context.Context, files []*loader.BufferedFile, user map[string]any) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, renderTimeout)
	defer cancel()
	type result struct {
		out map[string]string
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("%w: panic: %v", errRender, r)}
			}
		}()
		out, err := renderFiles(files, user)
		if err != nil {
			err = fmt.Errorf("%w: %s", errRender, cut(err.Error()))
		}
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: rendering took longer than %s (abandoned)", errRender, renderTimeout)
	}
}

// capped keeps the first max bytes written to it.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// maxErr bounds an error message kept for the report: text/template nests the message of every
// include level, so a recursion error is megabytes of repetition.
const maxErr = 1000

func cut(s string) string {
	if len(s) <= maxErr {
		return s
	}
	return s[:maxErr/2] + " … " + s[len(s)-maxErr/2:]
}
