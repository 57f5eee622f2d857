package limit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wardauth/ward/auth/limit"
)

func ExampleMemory() {
	m := limit.NewMemory(limit.MemoryOptions{})
	r, _ := limit.ParseRate("2/10s") // two at once, then one every 10 s
	for range 3 {
		d, _ := m.Allow(context.Background(), "login:192.0.2.1", r, 1)
		fmt.Println(d.Allowed, d.RetryAfter.Round(time.Second))
	}
	// Output:
	// true 0s
	// true 0s
	// false 10s
}

func ExampleParseRate() {
	_, err := limit.ParseRate("30 per minute")
	fmt.Println(errors.Is(err, limit.ErrBadRate))
	// Output: true
}
