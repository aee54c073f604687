package sqtime_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/wirekit/wirekit/protocol/sqtime"
)

func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	var s sqtime.Server
	go s.Serve(l)
	defer s.Shutdown(context.Background())

	ctx := context.Background()
	c, err := sqtime.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	root, err := c.Sqrt(ctx, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(root)
	// Output: 1.4142135623730951
}
