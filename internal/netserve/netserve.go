// Package netserve is what wirekit's TCP servers share: the set of
// listeners a server is serving on, which Shutdown closes at once, and the
// accept loop.
package netserve

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// Listeners is the set of listeners one server is serving on. The zero
// value is ready to use.
type Listeners struct {
	mu     sync.Mutex
	set    map[net.Listener]struct{}
	closed bool
}

// Close closes every listener being served, and makes Serve refuse the
// ones that come later.
func (ls *Listeners) Close() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.closed = true
	for l := range ls.set {
		l.Close()
	}
}

// Closed reports whether Close has been called.
func (ls *Listeners) Closed() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.closed
}

// Serve accepts connections on l and hands each to handle (which starts
// its own goroutine) until Close, and then returns closed; l is closed
// when Serve returns. A temporary accept error, such as running out of
// file descriptors, is passed to logf and retried after a pause that
// doubles up to a second, as net/http does; any other ends Serve, wrapped
// as "<what>: accept: <error>".
func (ls *Listeners) Serve(l net.Listener, what string, closed error, logf func(string, ...any), handle func(net.Conn)) error {
	ls.mu.Lock()
	if ls.closed {
		ls.mu.Unlock()
		l.Close()
		return closed
	}
	if ls.set == nil {
		ls.set = make(map[net.Listener]struct{})
	}
	ls.set[l] = struct{}{}
	ls.mu.Unlock()
	defer func() {
		ls.mu.Lock()
		delete(ls.set, l)
		ls.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		c, err := l.Accept()
		if ls.Closed() {
			if c != nil {
				c.Close()
			}
			return closed
		}
		if err != nil {
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				logf("%s: accept: %v; retrying in %v", what, err, backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("%s: accept: %w", what, err)
		}
		backoff = 0
		handle(c)
	}
}
