package gpu

import (
	"strings"
	"testing"
)

func TestParseCUDAVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want CUDAVersion
		err  bool
	}{
		{in: "12.4", want: CUDAVersion{12, 4}},
		{in: " 11.8 ", want: CUDAVersion{11, 8}},
		{in: "12", want: CUDAVersion{12, 0}},
		{in: "12.4.1", want: CUDAVersion{12, 4}},
		{in: "13.0", want: CUDAVersion{13, 0}},
		{in: "", err: true},
		{in: "12.", err: true},
		{in: "v12.4", err: true},
		{in: "12.x", err: true},
		{in: "12.-1", err: true},
		{in: "+12.4", err: true},
		{in: "12.4.1.0", err: true},
		{in: "12.4.x", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCUDAVersion(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("ParseCUDAVersion(%q) error = %v, want error %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("ParseCUDAVersion(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCUDAVersionCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b CUDAVersion
		want int
	}{
		{CUDAVersion{12, 4}, CUDAVersion{12, 4}, 0},
		{CUDAVersion{12, 4}, CUDAVersion{12, 10}, -1},
		{CUDAVersion{13, 0}, CUDAVersion{12, 9}, 1},
		{CUDAVersion{11, 8}, CUDAVersion{12, 0}, -1},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if s := (CUDAVersion{12, 4}).String(); s != "12.4" {
		t.Errorf("String() = %q", s)
	}
}

func TestCUDAAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		host    string
		allowed []string
		want    bool
		wantErr string
	}{
		{name: "empty list allows any", host: "11.4", allowed: nil, want: true},
		{name: "listed", host: "12.4", allowed: []string{"12.1", "12.4", "12.5"}, want: true},
		{name: "not listed though older entries exist", host: "12.6", allowed: []string{"12.1", "12.4"}, want: false},
		{name: "older than every entry", host: "11.8", allowed: []string{"12.1", "12.4"}, want: false},
		{name: "patch part ignored", host: "12.4", allowed: []string{"12.4.0"}, want: true},
		{name: "12.1 is not 12.10", host: "12.10", allowed: []string{"12.1"}, want: false},
		{name: "empty host version with a list", host: "", allowed: []string{"12.4"}, wantErr: "host driver"},
		{name: "malformed entry", host: "12.4", allowed: []string{"12.4", "cuda12"}, wantErr: "allowedCudaVersions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := CUDAAllowed(tt.host, tt.allowed)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CUDAAllowed error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CUDAAllowed(%q, %q) = %v, want %v", tt.host, tt.allowed, got, tt.want)
			}
		})
	}
}
