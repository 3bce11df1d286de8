package server

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/pedulilindungi"
)

// tcpServer serves opts over real loopback TCP with a fake engine whose face work takes work.
func tcpServer(t *testing.T, opts Options, work time.Duration) (*Server, string) {
	t.Helper()
	fake := &slowEngine{fakeEngine: newFake(), work: work}
	opts.Logger = quiet
	srv, err := New(opts, fake, &pedulilindungi.Local{Ledger: fake})
	if err != nil {
		t.Fatal(err)
	}
	return srv, serveLoopback(t, srv, 5*time.Second)
}

// serveLoopback serves srv on a loopback port until the test ends (then shuts it down,
// waiting up to grace) and returns its address.
func serveLoopback(t *testing.T, srv *Server, grace time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

// compareBody is a compare-images request of about size bytes: two fake images of one
// person, padded.
func compareBody(size int) []byte {
	pad := make([]byte, max(size*3/8-16, 0))
	im := base64.StdEncoding.EncodeToString(append(append([]byte{0xFF, 0xD8, 0xFF}, "face:a\x00"...), pad...))
	b, _ := json.Marshal(map[string]any{"source_image": im, "target_image": im, "trx_id": "body"})
	return b
}

// rawAnswer is what a raw client read back.
type rawAnswer struct {
	http       int
	status     string // the body's contract status
	retryAfter string
	d          time.Duration // from the header sent to the answer
	err        error
}

// rawPost sends a compare-images request over its own connection: the header, then body
// (while the answer is read, so a refusal sent before the body arrives is seen).
func rawPost(addr string, body []byte, extra string) rawAnswer {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return rawAnswer{err: err}
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	t0 := time.Now()
	if _, err := fmt.Fprintf(c, "POST /compare-images HTTP/1.1\r\nHost: x\r\nAccesstoken: tok-a\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n", extra, len(body)); err != nil {
		return rawAnswer{err: err}
	}
	br := bufio.NewReader(c)
	if strings.Contains(extra, "100-continue") {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return rawAnswer{err: err}
		}
		if resp.StatusCode != http.StatusContinue {
			return answerOf(resp, t0)
		}
	}
	go func() { _, _ = c.Write(body) }() // fails once a refusal closed the connection
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return rawAnswer{err: err}
	}
	return answerOf(resp, t0)
}

func answerOf(resp *http.Response, t0 time.Time) rawAnswer {
	defer resp.Body.Close()
	a := rawAnswer{http: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	var h head
	data, err := io.ReadAll(resp.Body)
	if err == nil {
		err = json.Unmarshal(data, &h)
	}
	a.status, a.err, a.d = h.Status, err, time.Since(t0)
	return a
}

// livePeak collects every 50 ms and returns the highest heap seen right after a collection
// (what is reachable then) once stop is closed.
func livePeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		for {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return out
}

// hold opens a connection that declares a body of n bytes and sends only part of it, so
// that its reservation stays taken; close hangs up mid-body.
func hold(t *testing.T, addr string, n int, extra string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST /compare-images HTTP/1.1\r\nHost: x\r\nAccesstoken: tok-a\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n{", extra, n)
	return c
}

// waitReserved waits until the server's reserved body memory is want, or fails after d.
func waitReserved(t *testing.T, s *Server, want int64, d time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	for {
		got := s.body.reserved()
		if got == want {
			return time.Since(t0)
		}
		if time.Since(t0) > d {
			t.Fatalf("reserved body memory %d after %v, want %d", got, d, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBodyCost(t *testing.T) {
	const mb = 1 << 20
	for _, tt := range []struct {
		n, max int
		want   int64
	}{
		{0, 32 * mb, 0},
		{-2, 32 * mb, 0}, // no Content-Length, not chunked: fasthttp reads no body
		{1, 32 * mb, 1},
		{1000, 32 * mb, 1024},
		{20 * mb, 32 * mb, 32 * mb},
		{32 * mb, 32 * mb, 32 * mb},
		{32*mb + 1, 32 * mb, 0}, // over the limit: 400 unread
		{-1, 32 * mb, 96 * mb},  // chunked: 64 MiB buffer and the 32 MiB one it grew from
		{-1, 8 * mb, 24 * mb},
		{150 * mb, 200 * mb, 150 * mb}, // fasthttp does not round above 100 MiB
	} {
		if got := bodyCost(tt.n, tt.max); got != tt.want {
			t.Errorf("bodyCost(%d, %d) = %d, want %d", tt.n, tt.max, got, tt.want)
		}
	}
	if _, err := New(Options{MaxBodyBytes: 8 << 20, MaxBodyMemory: 16 << 20}, newFake(), &pedulilindungi.Local{Ledger: newFake()}); err == nil {
		t.Error("a budget smaller than one chunked body accepted")
	}
	s, err := New(Options{MaxInflight: 2}, newFake(), &pedulilindungi.Local{Ledger: newFake()})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.MaxBodyMemory != 96<<20 { // 2 x 32 MiB is less than one chunked body
		t.Errorf("default budget with 2 slots: %d", s.opts.MaxBodyMemory)
	}
}

// Sixteen clients over loopback TCP send compare requests of ~6 MiB (each reserving
// 8 MiB) back to back, while the budget holds three and each admitted request works
// 150 ms. Reserved memory never passes the budget, the excess is answered 503 +
// Retry-After at once (p50 < 50 ms, p99 < 250 ms on the shared machine) without its body being read, every admitted request
// succeeds, and the live heap grows by less than 3x the budget (each admitted body is also
// JSON- and base64-decoded by the handler); unbounded, the same load is logged for contrast.
func TestBodyBudgetUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 3 seconds")
	}
	const (
		maxBody = 8 << 20
		budget  = 24 << 20 // three 8 MiB reservations (and one chunked body)
		clients = 16
		work    = 150 * time.Millisecond
		runFor  = 1500 * time.Millisecond
	)
	body := compareBody(6 << 20)
	for _, tt := range []struct {
		name   string
		budget int64
	}{{"budget", budget}, {"unbounded", -1}} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.budget < 0 && raceBuild {
				t.Skip("the contrast only: unbounded, the race detector's slowdown runs requests past their deadline")
			}
			srv, addr := tcpServer(t, Options{MaxBodyBytes: maxBody, MaxBodyMemory: tt.budget, MaxInflight: clients,
				RequestTimeout: 5 * time.Second}, work)
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			stop := make(chan struct{})
			peakc := livePeak(stop)
			var (
				mu      sync.Mutex
				answers []rawAnswer
				wg      sync.WaitGroup
			)
			end := time.Now().Add(runFor)
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Now().Before(end) {
						a := rawPost(addr, body, "")
						mu.Lock()
						answers = append(answers, a)
						mu.Unlock()
						if a.http != 200 {
							time.Sleep(50 * time.Millisecond) // not Retry-After: keep the pressure on
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			peak := <-peakc
			grew := int64(peak) - int64(base)

			var ok, busy int
			var busyD []time.Duration
			for _, a := range answers {
				switch {
				case a.err != nil:
					t.Errorf("client: %v", a.err)
				case a.http == 200 && a.status == "200":
					ok++
				case a.http == 503 && a.status == "503" && a.retryAfter == "1":
					busy++
					busyD = append(busyD, a.d)
				default:
					t.Errorf("answer %d %q Retry-After %q", a.http, a.status, a.retryAfter)
				}
			}
			slices.Sort(busyD)
			p50, p99 := time.Duration(0), time.Duration(0)
			if len(busyD) > 0 {
				p50, p99 = busyD[len(busyD)/2], busyD[min(len(busyD)-1, len(busyD)*99/100)]
			}
			t.Logf("%s: %d ok, %d busy (p50 %v, p99 %v); reserved peak %d MiB; live heap +%d MiB", tt.name, ok, busy, p50, p99,
				srv.body.peak()>>20, grew>>20)
			waitReserved(t, srv, 0, 2*time.Second)
			if tt.budget < 0 {
				return
			}
			if ok == 0 || busy == 0 {
				t.Fatalf("%d ok, %d busy: the budget was not exercised", ok, busy)
			}
			if p := srv.body.peak(); p > budget {
				t.Errorf("reserved %d bytes at once, budget %d", p, budget)
			}
			// A refusal costs the server a header parse (~0.1 ms one at a time, logged by
			// TestBodyBudgetReleased); under this load it waits for a core like everything else,
			// but never for a body or a worker: well under one admitted request's 150 ms.
			if !raceBuild && (p50 >= 50*time.Millisecond || p99 >= 250*time.Millisecond) {
				t.Errorf("busy answers p50 %v, p99 %v, want < 50 ms, < 250 ms", p50, p99)
			}
			if bound := int64(3 * budget); grew > bound {
				t.Errorf("live heap grew %d MiB, want < %d MiB", grew>>20, bound>>20)
			}
		})
	}
}

// Every way a request ends gives its reservation back: the handler, the client hanging up
// mid-body (fasthttp's error handler), a chunked body hung up between chunks (fasthttp
// closes silently: reclaimed after the read deadline), and a refusal; an oversized
// Content-Length reserves nothing and is still 400 unread.
func TestBodyBudgetReleased(t *testing.T) {
	const maxBody = 1 << 20
	budget := bodyCost(-1, maxBody) // 3 MiB: three 1 MiB bodies
	srv, addr := tcpServer(t, Options{MaxBodyBytes: maxBody, MaxBodyMemory: budget, ReadTimeout: 400 * time.Millisecond}, 0)
	body := compareBody(maxBody - 1000)

	if a := rawPost(addr, body, ""); a.http != 200 || a.status != "200" {
		t.Fatalf("handler: %+v", a)
	}
	if got := srv.body.reserved(); got != 0 || srv.body.peak() != maxBody {
		t.Errorf("after the handler: reserved %d, peak %d", got, srv.body.peak())
	}
	if a := rawPost(addr, body, "Expect: 100-continue\r\n"); a.http != 200 {
		t.Errorf("Expect: 100-continue: %+v", a)
	}
	waitReserved(t, srv, 0, time.Second)

	// Oversized: 400 from its Content-Length, nothing reserved.
	c := hold(t, addr, 1<<30, "")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("announced 1 GiB: %v %v", resp, err)
	}
	c.Close()
	if p := srv.body.peak(); p != maxBody {
		t.Errorf("an oversized body reserved memory: peak %d", p)
	}

	// Fill the budget with three clients that declared 1 MiB and sent a byte.
	var holders []net.Conn
	for range 3 {
		holders = append(holders, hold(t, addr, maxBody, ""))
	}
	waitReserved(t, srv, 3*maxBody, time.Second)
	// Refused unread: a client that sent only the header (and a byte) gets the answer.
	c = hold(t, addr, maxBody, "")
	t0 := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("budget full, body not sent: %v %v", resp, err)
	} else {
		t.Logf("refused before its body was sent, in %v", time.Since(t0))
	}
	c.Close()
	for _, extra := range []string{"", "Expect: 100-continue\r\n"} {
		if a := rawPost(addr, body, extra); a.http != 503 || a.status != "503" || a.retryAfter != "1" {
			t.Errorf("budget full (%q): %+v", extra, a)
		}
	}
	if got := srv.body.reserved(); got != 3*maxBody {
		t.Errorf("refusals changed the reservations: %d", got)
	}
	// Client hangup mid-body: the error handler releases at once (well before the reclaim).
	for _, h := range holders {
		h.Close()
	}
	if d := waitReserved(t, srv, 0, 300*time.Millisecond); d > 0 {
		t.Logf("hangups released after %v", d)
	}
	if a := rawPost(addr, body, ""); a.http != 200 {
		t.Errorf("after the hangups: %+v", a)
	}

	// Chunked, hung up at a chunk boundary: fasthttp reads io.EOF and closes without a
	// handler or error handler; the reservation is reclaimed once the read deadline has
	// passed by reclaimGrace.
	c, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST /compare-images HTTP/1.1\r\nHost: x\r\nAccesstoken: tok-a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n")
	waitReserved(t, srv, bodyCost(-1, maxBody), time.Second)
	c.Close()
	d := waitReserved(t, srv, 0, srv.opts.ReadTimeout+reclaimGrace+time.Second)
	t.Logf("chunked hangup reclaimed after %v", d)
}

// A client that sends its body slowly is cut by the read timeout, and its reservation is
// released by the error handler then, not later.
func TestBodyBudgetSlowClient(t *testing.T) {
	const maxBody = 1 << 20
	readTimeout := 400 * time.Millisecond
	srv, addr := tcpServer(t, Options{MaxBodyBytes: maxBody, MaxBodyMemory: bodyCost(-1, maxBody), ReadTimeout: readTimeout}, 0)
	t0 := time.Now()
	c := hold(t, addr, maxBody, "")
	defer c.Close()
	go func() { // a byte every 50 ms: never done in time
		for range 100 {
			time.Sleep(50 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	waitReserved(t, srv, maxBody, time.Second)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	cut := time.Since(t0)
	if err != nil {
		t.Fatalf("no answer to a slow body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || cut < readTimeout || cut > readTimeout+time.Second {
		t.Errorf("slow body answered %d after %v (read timeout %v)", resp.StatusCode, cut, readTimeout)
	}
	d := waitReserved(t, srv, 0, reclaimGrace/2)
	t.Logf("slow client cut after %v, reservation back %v later", cut, d)
}

// A keep-alive connection does not keep a large body's buffer for its next request: eight
// idle connections that each sent 4 MiB hold far less than 8 x 4 MiB.
func TestBodyBufferNotKept(t *testing.T) {
	srv, addr := tcpServer(t, Options{MaxBodyBytes: 8 << 20}, 0)
	body := compareBody(4 << 20)
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var conns []net.Conn
	for range 8 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /compare-images HTTP/1.1\r\nHost: x\r\nAccesstoken: tok-a\r\nContent-Length: %d\r\n\r\n", len(body))
		if _, err := c.Write(body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("request: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	runtime.GC() // fasthttp's buffer pool survives one collection, an idle connection's buffer any number
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("8 idle connections after 4 MiB bodies: heap +%d KiB", grew>>10)
	if grew > 8<<20 {
		t.Errorf("idle connections hold %d MiB", grew>>20)
	}
	_ = srv
	_ = conns
}
