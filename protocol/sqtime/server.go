package sqtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/internal/netserve"
)

// ErrServerClosed is returned by Serve and ListenAndServe once Shutdown
// has been called.
var ErrServerClosed = errors.New("sqtime: server closed")

// Server answers sqtime requests. Its fields are options: set them before
// the first Serve and leave them alone after. The zero Server is ready to
// use with the documented defaults.
//
// Each connection has one goroutine reading requests; each request is
// answered by its own goroutine, and at most MaxInFlight of those exist per
// connection at a time. Responses go out in the order they are ready, each
// whole, with responses that are ready together sharing one Write.
//
// Square roots follow math.Sqrt (-0 stays -0, +Inf stays +Inf); every NaN
// result, from a negative operand or a NaN, is sent as the one quiet NaN
// 7ff8000000000000, so the bytes on the wire do not depend on the CPU.
//
// A message the server cannot accept — an unknown type word, after which
// the stream cannot be resynchronised, a response type, or a message cut
// short by the end of the stream — ends that connection only: the server
// stops reading, finishes the requests it has already read, writes their
// responses, and closes the connection. A client that half-closes its
// side after sending gets every answer the same way.
type Server struct {
	// MaxConns bounds the connections open at once. A connection accepted
	// over it is closed at once, without reading from it. Zero means 1024.
	MaxConns int

	// MaxInFlight bounds, per connection, the requests read whose
	// responses have not been written yet. At the bound the connection's
	// reader stops reading until a response goes out, so a client that
	// sends faster than it is answered, or does not read its answers, is
	// held back by TCP rather than by server memory. Zero means 64.
	MaxInFlight int

	// IdleTimeout closes a connection that has had nothing in flight and
	// has sent no bytes for that long, and one whose message has not
	// arrived whole that long after its first byte (bytes trickled one at
	// a time do not keep a connection open). Zero means 2 minutes; a
	// negative value disables both.
	IdleTimeout time.Duration

	// WriteTimeout bounds each write of responses: a peer that does not
	// read its answers for that long loses its connection (which also
	// frees its in-flight slots and lets Shutdown finish). Zero means 30
	// seconds; a negative value disables it.
	WriteTimeout time.Duration

	// Now is the clock that time requests read. Nil means time.Now.
	Now func() time.Time

	// ErrorLog receives why connections were refused or ended abnormally
	// (protocol errors, write errors). Nil discards them.
	ErrorLog *log.Logger

	// delay is a test hook: called by each request's goroutine before it
	// answers, it may block or return how long to wait, so tests can make
	// replies come back reordered and count handlers in flight.
	delay func(Message) time.Duration

	inShutdown atomic.Bool
	mu         sync.Mutex
	listeners  netserve.Listeners
	conns      map[*serverConn]struct{}
	drained    chan struct{} // closed when the last connection ends after Shutdown
}

func (s *Server) maxConns() int {
	if s.MaxConns > 0 {
		return s.MaxConns
	}
	return 1024
}

func (s *Server) maxInFlight() int {
	if s.MaxInFlight > 0 {
		return s.MaxInFlight
	}
	return 64
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout == 0 {
		return 2 * time.Minute
	}
	return s.IdleTimeout
}

func (s *Server) writeTimeout() time.Duration {
	switch {
	case s.WriteTimeout == 0:
		return 30 * time.Second
	case s.WriteTimeout < 0:
		return 0
	}
	return s.WriteTimeout
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	}
}

// ListenAndServe listens on the TCP address addr and serves it; see Serve.
func (s *Server) ListenAndServe(addr string) error {
	if s.inShutdown.Load() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sqtime: %w", err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l and serves each in its own goroutines
// until l fails or Shutdown is called. It closes l when it returns, and
// after Shutdown it returns ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	if s.inShutdown.Load() {
		l.Close()
		return ErrServerClosed
	}
	return s.listeners.Serve(l, "sqtime", ErrServerClosed, s.logf, func(c net.Conn) {
		sc := &serverConn{s: s, c: c, sem: make(chan struct{}, s.maxInFlight()), dead: make(chan struct{})}
		if err := s.track(sc); err != nil {
			s.logf("sqtime: %v: refusing %v", err, c.RemoteAddr())
			c.Close()
			return
		}
		go sc.serve()
	})
}

// track adds sc to the open connections unless that would pass MaxConns
// or the server is shutting down.
func (s *Server) track(sc *serverConn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return ErrServerClosed
	}
	if len(s.conns) >= s.maxConns() {
		return fmt.Errorf("sqtime: %d connections open (MaxConns)", len(s.conns))
	}
	if s.conns == nil {
		s.conns = make(map[*serverConn]struct{})
	}
	s.conns[sc] = struct{}{}
	return nil
}

func (s *Server) untrack(sc *serverConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, sc)
	if len(s.conns) == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
}

// Shutdown stops the server gracefully: it closes the listeners, stops
// reading from every connection, lets the requests already read finish
// and their responses be written, and closes each connection when it has
// nothing left in flight (idle ones at once). Requests a client sent that
// the server had not read yet are not answered.
//
// Shutdown returns nil when every connection is closed, or ctx's error if
// ctx ends first, in which case it closes the remaining connections
// without waiting further.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.inShutdown.Store(true)
	s.listeners.Close()
	for sc := range s.conns {
		// Wakes a reader blocked in Read; idleReader sees inShutdown
		// and reports the end of the stream.
		sc.c.SetReadDeadline(time.Unix(1, 0))
	}
	if len(s.conns) == 0 {
		s.mu.Unlock()
		return nil
	}
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	drained := s.drained
	s.mu.Unlock()

	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for sc := range s.conns {
			sc.kill()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// canonicalNaN is the NaN of every sqrt response that is one: the quiet
// NaN 7ff8000000000000.
var canonicalNaN = math.Float64frombits(0x7ff8000000000000)

// serverConn is one client connection.
type serverConn struct {
	s *Server
	c net.Conn
	w *batchWriter

	// sem holds a token for each request read whose response has not
	// been written: the reader adds one before starting a handler (and
	// blocks when it is full), the writer removes them once a Write has
	// carried the responses.
	sem        chan struct{}
	handlers   sync.WaitGroup
	lastWrite  atomic.Int64 // UnixNano of the last response written, for IdleTimeout
	dead       chan struct{}
	killOnce   sync.Once
	remoteAddr string
}

// kill ends the connection without waiting for anything.
func (sc *serverConn) kill() {
	sc.killOnce.Do(func() {
		close(sc.dead)
		sc.c.Close()
	})
}

func (sc *serverConn) serve() {
	defer sc.s.untrack(sc)
	sc.remoteAddr = sc.c.RemoteAddr().String()
	sc.lastWrite.Store(time.Now().UnixNano())
	sc.w = newBatchWriter(sc.c, sc.s.writeTimeout(), func(n int) {
		for range n {
			<-sc.sem
		}
		sc.lastWrite.Store(time.Now().UnixNano())
	}, func(err error) {
		sc.s.logf("sqtime: %s: write: %v", sc.remoteAddr, err)
		sc.kill()
	})

	ir := &idleReader{sc: sc}
	r := NewReader(ir)
	ir.r = r
read:
	for {
		off := r.Offset()
		m, err := r.Read()
		if err != nil {
			switch {
			case errors.Is(err, io.EOF), errors.Is(err, ErrServerClosed), errors.Is(err, net.ErrClosed):
			case errors.Is(err, os.ErrDeadlineExceeded):
				// IdleTimeout
			default:
				sc.s.logf("sqtime: %s: %v; closing the connection", sc.remoteAddr, err)
			}
			break read
		}
		if m.Type != SqrtRequest && m.Type != TimeRequest {
			sc.s.logf("sqtime: %s: a %v sent to the server at offset %d; closing the connection", sc.remoteAddr, m.Type, off)
			break read
		}
		select {
		case sc.sem <- struct{}{}:
		case <-sc.dead:
			break read
		}
		sc.handlers.Add(1)
		go sc.handle(m)
	}
	sc.handlers.Wait()
	sc.w.close()
	sc.kill()
}

// handle answers one request.
func (sc *serverConn) handle(m Message) {
	defer sc.handlers.Done()
	if sc.s.delay != nil {
		if d := sc.s.delay(m); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-sc.dead:
				t.Stop()
				return
			}
		}
	}
	resp := Message{ID: m.ID}
	switch m.Type {
	case SqrtRequest:
		// math.Sqrt gives NaN below zero and keeps -0, +Inf and NaN, as
		// the protocol wants. Which NaN depends on the CPU (amd64 gives
		// fff8…, arm64 7ff8…) and on the operand's payload; one canonical
		// NaN keeps the bytes on the wire the same everywhere.
		r := math.Sqrt(m.Value)
		if r != r {
			r = canonicalNaN
		}
		resp.Type, resp.Value = SqrtResponse, r
	case TimeRequest:
		resp.Type, resp.Time = TimeResponse, FormatTime(sc.s.now())
	}
	// An error means the writer has failed and killed the connection.
	_ = sc.w.queue(resp)
}

// idleReader is the connection as the Reader sees it: it hides read
// deadlines that fire while the connection is busy, so only a connection
// idle for IdleTimeout (nothing in flight, no bytes) ends, and it ends the
// stream once Shutdown has been called. It sits below the Reader's buffer,
// so requests already buffered are still read after Shutdown.
//
// Bytes extend the deadline, except those of a message already begun: a
// message must arrive whole within IdleTimeout of the server's first read
// of its rest, so that a peer trickling a byte at a time (slowloris)
// cannot hold a connection open forever.
type idleReader struct {
	sc  *serverConn
	r   *Reader // the Reader reading through this one: r.Offset() ends its last whole message
	got int64   // bytes returned so far
	// The message begun at stream offset partOff must be whole by
	// partBy (zero when none is begun).
	partOff int64
	partBy  time.Time
}

// errSlowMessage ends a connection whose message, once begun, did not
// arrive whole within IdleTimeout.
var errSlowMessage = errors.New("a message begun did not arrive whole within IdleTimeout")

func (ir *idleReader) Read(p []byte) (int, error) {
	sc := ir.sc
	idle := sc.s.idleTimeout()
	deadline := time.Now().Add(idle)
	begun := idle > 0 && ir.got > ir.r.Offset()
	if !begun {
		ir.partBy = time.Time{}
	} else if off := ir.r.Offset(); ir.partBy.IsZero() || off != ir.partOff {
		// The clock starts now, when the server first wants the rest of
		// the message, not when its first byte was read: the server may
		// have stopped reading since (MaxInFlight), with the rest waiting
		// in the socket.
		ir.partOff, ir.partBy = off, deadline
	}
	if begun {
		deadline = ir.partBy
	}
	for {
		if idle > 0 {
			sc.c.SetReadDeadline(deadline)
		}
		// After setting the deadline: Shutdown sets inShutdown before it
		// moves the deadline to the past, so either this sees it or the
		// Read below is woken.
		if sc.s.inShutdown.Load() {
			return 0, ErrServerClosed
		}
		n, err := sc.c.Read(p)
		ir.got += int64(n)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		if sc.s.inShutdown.Load() {
			return 0, ErrServerClosed
		}
		if idle <= 0 {
			return n, err
		}
		if begun {
			return 0, errSlowMessage
		}
		now := time.Now()
		if len(sc.sem) > 0 {
			deadline = now.Add(idle)
			continue
		}
		if last := time.Unix(0, sc.lastWrite.Load()); now.Sub(last) < idle {
			deadline = last.Add(idle)
			continue
		}
		return 0, err
	}
}
