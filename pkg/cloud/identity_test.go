package cloud

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// imdsV2 serves the two requests of the IMDSv2 protocol the way EC2 does:
// a PUT for a session token, then GETs that must carry it.
func imdsV2(t *testing.T, instanceID string) (*httptest.Server, *int) {
	t.Helper()
	const token = "token-123"
	var unauthorized int
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /latest/api/token", func(w http.ResponseWriter, r *http.Request) {
		ttl := r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds")
		if ttl == "" {
			http.Error(w, "missing TTL", http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", ttl)
		w.Write([]byte(token))
	})
	mux.HandleFunc("GET /latest/meta-data/instance-id", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Aws-Ec2-Metadata-Token") != token {
			unauthorized++
			http.Error(w, "", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(instanceID))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &unauthorized
}

func TestMachineIDOnEC2(t *testing.T) {
	t.Parallel()
	srv, unauthorized := imdsV2(t, "i-0123456789abcdef0")
	if got := MachineID(t.Context(), IdentityOptions{Endpoint: srv.URL}); got != "i-0123456789abcdef0" {
		t.Errorf("MachineID = %q, want the instance ID", got)
	}
	if *unauthorized != 0 {
		t.Errorf("%d metadata reads without a token (IMDSv1)", *unauthorized)
	}
}

func TestMachineIDOffEC2(t *testing.T) {
	t.Parallel()
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name here:", err)
	}
	// A loopback port nobody listens on: connection refused, as off EC2.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	tokenless := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(tokenless.Close)

	if !looksLikeEC2(dmiFiles) && os.Getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT") == "" {
		// Not EC2 by its firmware: the host name, without asking anyone.
		if got := MachineID(t.Context(), IdentityOptions{}); got != host {
			t.Errorf("MachineID off EC2 = %q, want the host name %q", got, host)
		}
	}
	for name, endpoint := range map[string]string{"nothing listening": closed, "no IMDSv2 there": tokenless.URL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := MachineID(t.Context(), IdentityOptions{Endpoint: endpoint}); got != host {
				t.Errorf("MachineID = %q, want the host name %q", got, host)
			}
		})
	}
}

func TestMachineIDDisabled(t *testing.T) {
	srv, _ := imdsV2(t, "i-0123456789abcdef0")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	host, _ := os.Hostname()
	if got := MachineID(t.Context(), IdentityOptions{Endpoint: srv.URL}); got != host {
		t.Errorf("with AWS_EC2_METADATA_DISABLED=true MachineID = %q, want the host name %q", got, host)
	}
}

func BenchmarkMachineIDOffEC2(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	for b.Loop() {
		MachineID(b.Context(), IdentityOptions{Endpoint: closed})
	}
}

func TestLooksLikeEC2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nitro := write("sys_vendor", "Amazon EC2\n")
	xen := write("uuid", "ec2e1916-9099-7caf-fd21-012345abcdef\n")
	other := write("other_vendor", "QEMU\n")
	missing := filepath.Join(dir, "missing")
	for name, tt := range map[string]struct {
		files []string
		want  bool
	}{
		"nitro":     {[]string{missing, nitro}, true},
		"xen":       {[]string{other, xen}, true},
		"elsewhere": {[]string{other, missing}, false},
		"nothing":   {nil, false},
	} {
		if got := looksLikeEC2(tt.files); got != tt.want {
			t.Errorf("%s: looksLikeEC2 = %v, want %v", name, got, tt.want)
		}
	}
}
