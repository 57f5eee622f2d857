package schema

import (
	"math"
	"slices"
	"testing"
	"testing/fstest"
	"time"
)

func TestNanos(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Unix(0, 1), time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)} {
		if got := FromNanos(Nanos(tm)); !got.Equal(tm) {
			t.Errorf("FromNanos(Nanos(%v)) = %v", tm, got)
		}
	}
	if Nanos(time.Time{}) != 0 {
		t.Error("the zero Time is not 0")
	}
	if BoundNanos(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)) != math.MinInt64 || BoundNanos(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)) != math.MaxInt64 {
		t.Error("BoundNanos does not clamp instants outside int64 nanoseconds")
	}
}

func TestLists(t *testing.T) {
	if SplitList("") != nil || !slices.Equal(SplitList(JoinList([]string{"a", "b"})), []string{"a", "b"}) {
		t.Error("SplitList(JoinList(x)) != x")
	}
}

func TestMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0010_c.sql": {Data: []byte("C")},
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
	}
	ms, err := Migrations(fsys, "m/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, m := range ms {
		got = append(got, m.Version)
	}
	if !slices.Equal(got, []int{1, 2, 10}) || ms[2].SQL != "C" || ms[0].Name != "0001_a.sql" {
		t.Errorf("Migrations = %+v", ms)
	}
	for name, bad := range map[string]fstest.MapFS{
		"same version": {"m/0001_a.sql": {}, "m/001_b.sql": {}},
		"no number":    {"m/init.sql": {}},
		"zero":         {"m/0000_a.sql": {}},
	} {
		if _, err := Migrations(bad, "m/*.sql"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
