// Package config is janitor's only user of viper. It resolves settings with the
// precedence flags > environment (JANITOR_*) > config file > defaults, and
// describes the named environments (dev, prod, ...) and how each reaches its
// results database.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// DefaultEnv is the environment used when none is named. It needs no
// configuration: without a database it uses janitor's local PostgreSQL.
const DefaultEnv = "dev"

// Config is the effective configuration of one janitor invocation.
type Config struct {
	// File is the config file that was read, or the one that would be read.
	File string `yaml:"-" json:"-"`
	// FileFound reports whether File existed.
	FileFound bool `yaml:"-" json:"-"`

	Env          string `yaml:"env" json:"env" mapstructure:"env"`
	Organization string `yaml:"organization" json:"organization" mapstructure:"organization"`
	GitHubURL    string `yaml:"github_url" json:"github_url" mapstructure:"github_url"`
	DataDir      string `yaml:"data_dir" json:"data_dir" mapstructure:"data_dir"`
	LogLevel     string `yaml:"log_level" json:"log_level" mapstructure:"log_level"`
	LogFormat    string `yaml:"log_format" json:"log_format" mapstructure:"log_format"`
	// ConnectTimeout bounds connecting to the database, retries included.
	ConnectTimeout time.Duration `yaml:"connect_timeout" json:"connect_timeout" mapstructure:"connect_timeout"`

	// DatabaseURL, when set, overrides every environment's database: one URL
	// used for every role.
	DatabaseURL string `yaml:"database_url,omitempty" json:"database_url,omitempty" mapstructure:"database_url"`
	// DatabaseSecretID, when set, names one Secrets Manager secret used for
	// every role.
	DatabaseSecretID string `yaml:"database_secret_id,omitempty" json:"database_secret_id,omitempty" mapstructure:"database_secret_id"`

	Environments map[string]Environment `yaml:"environments" json:"environments" mapstructure:"environments"`
}

// Environment is one named deployment: where its database is and, for AWS
// environments, the identifiers janitor needs.
type Environment struct {
	Database Database `yaml:"database" json:"database" mapstructure:"database"`
	AWS      AWS      `yaml:"aws" json:"aws" mapstructure:"aws"`
}

// Database says how an environment reaches its results database. With
// nothing set, janitor uses its local PostgreSQL cluster.
type Database struct {
	// URL is used for every role unless a role has its own URL.
	URL       string  `yaml:"url,omitempty" json:"url,omitempty" mapstructure:"url"`
	AgentURL  string  `yaml:"agent_url,omitempty" json:"agent_url,omitempty" mapstructure:"agent_url"`
	ReaderURL string  `yaml:"reader_url,omitempty" json:"reader_url,omitempty" mapstructure:"reader_url"`
	AdminURL  string  `yaml:"admin_url,omitempty" json:"admin_url,omitempty" mapstructure:"admin_url"`
	Secrets   Secrets `yaml:"secrets,omitempty" json:"secrets,omitempty" mapstructure:"secrets"`
	// Endpoint, Port and Name locate an AWS database whose credentials come
	// from the secrets (the secrets may also carry host and port).
	Endpoint string `yaml:"endpoint,omitempty" json:"endpoint,omitempty" mapstructure:"endpoint"`
	Port     int    `yaml:"port,omitempty" json:"port,omitempty" mapstructure:"port"`
	Name     string `yaml:"name,omitempty" json:"name,omitempty" mapstructure:"name"`
	// CABundle is a PEM file used to verify the server (verify-full).
	CABundle string `yaml:"ca_bundle,omitempty" json:"ca_bundle,omitempty" mapstructure:"ca_bundle"`
}

// Secrets are AWS Secrets Manager secret IDs (names or ARNs) per role.
type Secrets struct {
	Agent  string `yaml:"agent,omitempty" json:"agent,omitempty" mapstructure:"agent"`
	Reader string `yaml:"reader,omitempty" json:"reader,omitempty" mapstructure:"reader"`
	Admin  string `yaml:"admin,omitempty" json:"admin,omitempty" mapstructure:"admin"`
}

// AWS holds what janitor needs to reach an environment's AWS resources.
type AWS struct {
	Region           string `yaml:"region,omitempty" json:"region,omitempty" mapstructure:"region"`
	Profile          string `yaml:"profile,omitempty" json:"profile,omitempty" mapstructure:"profile"`
	InstanceID       string `yaml:"instance_id,omitempty" json:"instance_id,omitempty" mapstructure:"instance_id"`
	LogGroup         string `yaml:"log_group,omitempty" json:"log_group,omitempty" mapstructure:"log_group"`
	LaunchTemplateID string `yaml:"launch_template_id,omitempty" json:"launch_template_id,omitempty" mapstructure:"launch_template_id"`
	APIPort          int    `yaml:"api_port,omitempty" json:"api_port,omitempty" mapstructure:"api_port"`
	ClusterID        string `yaml:"cluster_id,omitempty" json:"cluster_id,omitempty" mapstructure:"cluster_id"`
	ReaderHost       string `yaml:"reader_endpoint,omitempty" json:"reader_endpoint,omitempty" mapstructure:"reader_endpoint"`
	InstanceType     string `yaml:"instance_type,omitempty" json:"instance_type,omitempty" mapstructure:"instance_type"`
}

// Current returns the selected environment's settings. An environment that
// is not in the config file is an error, except the default one (which uses
// the local database) and any environment when a database URL or secret
// override is given.
func (c *Config) Current() (Environment, error) {
	if e, ok := c.Environments[c.Env]; ok {
		return e, nil
	}
	if c.Env == DefaultEnv || c.DatabaseURL != "" || c.DatabaseSecretID != "" {
		return Environment{}, nil
	}
	known := make([]string, 0, len(c.Environments))
	for name := range c.Environments {
		known = append(known, name)
	}
	sort.Strings(known)
	where := c.File
	if where == "" {
		where = "the config file"
	}
	hint := fmt.Sprintf("add environments.%s to %s, or pass --database-url", c.Env, where)
	if len(known) > 0 {
		hint = fmt.Sprintf("known environments: %s; or %s", strings.Join(known, ", "), hint)
	}
	return Environment{}, fmt.Errorf("unknown environment %q: %s", c.Env, hint)
}

// UsesLocalDB reports whether the selected environment falls back to the
// janitor-managed local PostgreSQL cluster.
func (c *Config) UsesLocalDB() bool {
	if c.DatabaseURL != "" || c.DatabaseSecretID != "" {
		return false
	}
	e := c.Environments[c.Env]
	d := e.Database
	return d.URL == "" && d.AgentURL == "" && d.ReaderURL == "" && d.AdminURL == "" &&
		d.Secrets == (Secrets{}) && d.Endpoint == ""
}

// Flags are the flag names that map onto configuration keys. The root
// command defines them as persistent flags.
var flagKeys = map[string]string{
	"env":                "env",
	"database-url":       "database_url",
	"database-secret-id": "database_secret_id",
	"log-level":          "log_level",
	"log-format":         "log_format",
	"organization":       "organization",
	"data-dir":           "data_dir",
}

// Load resolves the configuration. flags may be nil; file overrides the
// default config file location ("" for the default).
func Load(flags *pflag.FlagSet, file string) (*Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	v.SetEnvPrefix("JANITOR")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	v.AutomaticEnv()

	v.SetDefault("env", DefaultEnv)
	v.SetDefault("organization", "runpod-workers")
	v.SetDefault("github_url", "https://github.com")
	v.SetDefault("data_dir", DefaultDataDir())
	v.SetDefault("log_level", "info")
	v.SetDefault("log_format", "text")
	v.SetDefault("connect_timeout", "10s")
	v.SetDefault("database_url", "")
	v.SetDefault("database_secret_id", "")

	if flags != nil {
		for name, key := range flagKeys {
			if f := flags.Lookup(name); f != nil {
				if err := v.BindPFlag(key, f); err != nil {
					return nil, fmt.Errorf("bind flag --%s: %w", name, err)
				}
			}
		}
	}

	if file == "" {
		file = os.Getenv("JANITOR_CONFIG")
	}
	explicit := file != ""
	if !explicit {
		file = DefaultFile()
	}
	cfg := &Config{File: file}
	v.SetConfigFile(file)
	if err := v.ReadInConfig(); err != nil {
		var pathErr *fs.PathError
		switch {
		case errors.As(err, &pathErr) && errors.Is(err, fs.ErrNotExist) && !explicit:
			// No config file is fine: defaults, environment and flags apply.
		case errors.As(err, &pathErr) && errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("config file %s does not exist: create it or drop --config", file)
		default:
			return nil, fmt.Errorf("read config file %s: %w (fix the YAML or move the file away)", file, err)
		}
	} else {
		cfg.FileFound = true
	}
	if err := v.Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("config file %s: %w", file, err)
	}
	cfg.File = file
	if cfg.Environments == nil {
		cfg.Environments = map[string]Environment{}
	}
	// An environment declared with no settings (`staging: {}`) still exists.
	for name := range v.GetStringMap("environments") {
		if _, ok := cfg.Environments[name]; !ok {
			cfg.Environments[name] = Environment{}
		}
	}
	switch cfg.LogFormat {
	case "text", "json":
	default:
		return nil, fmt.Errorf("log format %q is not supported: use text or json", cfg.LogFormat)
	}
	if cfg.Env == "" {
		cfg.Env = DefaultEnv
	}
	return cfg, nil
}

// DefaultFile is ~/.config/janitor/config.yaml (honouring XDG_CONFIG_HOME).
func DefaultFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "janitor", "config.yaml")
}

// DefaultDataDir is where janitor keeps its own state: the local database,
// the result spool and work directories. It is $XDG_DATA_HOME/janitor
// (~/.local/share/janitor) for a user and /var/lib/janitor for root, since the
// PostgreSQL server janitor starts runs as an unprivileged user that cannot
// enter root's home.
func DefaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/janitor"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "janitor")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "janitor")
	}
	return filepath.Join(home, ".local", "share", "janitor")
}

// RedactURL hides the password in a database URL or key=value DSN.
func RedactURL(s string) string {
	if s == "" {
		return s
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	fields := strings.Fields(s)
	for i, f := range fields {
		if strings.HasPrefix(f, "password=") {
			fields[i] = "password=xxxxx"
		}
	}
	return strings.Join(fields, " ")
}

// Redacted returns a copy safe to print: passwords in URLs are hidden.
func (c *Config) Redacted() *Config {
	out := *c
	out.DatabaseURL = RedactURL(c.DatabaseURL)
	out.Environments = make(map[string]Environment, len(c.Environments))
	for name, e := range c.Environments {
		e.Database.URL = RedactURL(e.Database.URL)
		e.Database.AgentURL = RedactURL(e.Database.AgentURL)
		e.Database.ReaderURL = RedactURL(e.Database.ReaderURL)
		e.Database.AdminURL = RedactURL(e.Database.AdminURL)
		out.Environments[name] = e
	}
	return &out
}
