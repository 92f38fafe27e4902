// Package compose holds the docker-compose checks over compose files' services.
package compose

import (
	"fmt"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	y "github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
)

const (
	refSpec   = "https://docs.docker.com/reference/compose-file/services/"
	refCIS    = "CIS Docker Benchmark v1.6.0, section 5 (Container Runtime)"
	refSecret = "https://docs.docker.com/compose/how-tos/use-secrets/"
)

func c(id string, sev finding.Severity, title, desc, fix string, refs ...string) check.Check {
	return check.Check{ID: id, Platform: check.Compose, Severity: sev, Title: title, Description: desc, Remediation: fix, References: refs}
}

// Checks is the docker-compose table.
var Checks = []check.Check{
	c("TG-COMPOSE-001", finding.High, "Privileged service",
		"privileged: true gives the container every capability and the host's devices.",
		"Remove privileged and add only the capabilities the service needs.", refSpec, refCIS),
	c("TG-COMPOSE-002", finding.High, "Host network mode",
		"network_mode: host shares the host's network stack, bypassing isolation and port publishing.",
		"Use a bridge network and publish only the needed ports.", refSpec, refCIS),
	c("TG-COMPOSE-003", finding.Critical, "Docker socket mounted",
		"Mounting the Docker socket gives the service full control of the host's Docker daemon: root on the host.",
		"Remove the docker.sock mount; use a socket proxy with a narrow allowlist if it is unavoidable.", refCIS),
	c("TG-COMPOSE-004", finding.Medium, "Database port published on all interfaces",
		"A database or cache port published without a host IP listens on every interface of the host.",
		"Remove the port mapping (services reach each other by name) or bind it to 127.0.0.1.", refSpec),
	c("TG-COMPOSE-005", finding.High, "Secret in environment",
		"A secret-looking variable has a literal value in the compose file, so it lives in git and in `docker inspect`.",
		"Use compose secrets or an env_file that is not committed.", refSecret),
	c("TG-COMPOSE-006", finding.High, "Dangerous capability added",
		"cap_add of SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL or similar is close to root on the host.",
		"Remove the capability.", refSpec, refCIS),
	c("TG-COMPOSE-007", finding.High, "Host PID or IPC namespace shared",
		"pid: host or ipc: host lets the service see and signal host processes or read their shared memory.",
		"Remove pid: host / ipc: host.", refSpec, refCIS),
	c("TG-COMPOSE-008", finding.Medium, "Security profile disabled",
		"security_opt seccomp:unconfined, apparmor:unconfined or label:disable removes a confinement layer.",
		"Remove the option or use a tailored profile.", refSpec, refCIS),
	c("TG-COMPOSE-009", finding.Low, "Image uses the latest tag or no tag",
		"A mutable tag makes the deployment unreproducible.",
		"Pin the image to a version tag, ideally with a digest.", refSpec),
	c("TG-COMPOSE-010", finding.High, "Sensitive host path mounted",
		"Mounting /, /etc, /proc, /sys, /root, /var/run or /home exposes the host to the container.",
		"Mount only the specific directories the service needs, read-only where possible.", refSpec, refCIS),
	c("TG-COMPOSE-011", finding.Medium, "Service runs as root explicitly",
		"user: root (or 0) runs the container's processes as root even if the image defines an unprivileged user.",
		"Remove user: root or set an unprivileged UID.", refSpec, refCIS),
}

func init() { check.Register(Checks...) }

var (
	dbPorts = map[string]string{"3306": "MySQL", "5432": "PostgreSQL", "6379": "Redis", "27017": "MongoDB", "9200": "Elasticsearch",
		"5984": "CouchDB", "11211": "Memcached", "1433": "SQL Server", "1521": "Oracle", "9042": "Cassandra", "8086": "InfluxDB", "2379": "etcd", "5672": "RabbitMQ"}
	dangerousCaps = map[string]bool{"ALL": true, "SYS_ADMIN": true, "NET_ADMIN": true, "SYS_PTRACE": true, "SYS_MODULE": true, "SYS_RAWIO": true,
		"DAC_READ_SEARCH": true, "BPF": true, "SYS_BOOT": true}
	secretNameRe   = regexp.MustCompile(`(?i)(passw(or)?d|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)`)
	sensitivePaths = map[string]bool{"/": true, "/etc": true, "/proc": true, "/sys": true, "/root": true, "/var/run": true, "/run": true, "/home": true, "/boot": true, "/dev": true, "/var/lib/docker": true}
)

type scanner struct{ hits []check.Hit }

func (s *scanner) add(id string, at *yaml.Node, res string, rl int, key, msg string) {
	s.hits = append(s.hits, check.Hit{ID: id, Line: y.Line(at, rl), Resource: res, ResourceLine: rl, Key: key, Message: msg})
}

// Scan runs the compose checks over every service.
func Scan(docs []y.Doc) []check.Hit {
	s := &scanner{}
	for _, d := range docs {
		for _, p := range y.Pairs(y.Val(d.Root, "services")) {
			s.service(p.Key.Value, p.Key, p.Value)
		}
	}
	return s.hits
}

func (s *scanner) service(name string, key, svc *yaml.Node) {
	res := "service " + name
	rl := key.Line
	boolKey := func(k string) *yaml.Node {
		kn, v := y.Get(svc, k)
		if b, ok := y.Bool(v); ok && b {
			return kn
		}
		return nil
	}
	if k := boolKey("privileged"); k != nil {
		s.add("TG-COMPOSE-001", k, res, rl, res+".privileged", "")
	}
	if k, v := y.Get(svc, "network_mode"); k != nil && y.Str(v) == "host" {
		s.add("TG-COMPOSE-002", k, res, rl, res+".network_mode", "")
	}
	for _, ns := range []string{"pid", "ipc"} {
		if k, v := y.Get(svc, ns); k != nil && y.Str(v) == "host" {
			s.add("TG-COMPOSE-007", k, res, rl, res+"."+ns, fmt.Sprintf("%s: host", ns))
		}
	}
	if k, v := y.Get(svc, "user"); k != nil {
		u, _, _ := strings.Cut(y.Str(v), ":")
		if u == "root" || u == "0" {
			s.add("TG-COMPOSE-011", k, res, rl, res+".user", "")
		}
	}
	if k, v := y.Get(svc, "image"); k != nil {
		ref := y.Str(v)
		if ref != "" && !strings.Contains(ref, "@sha256:") && !strings.Contains(ref, "${") {
			i := strings.LastIndex(ref, ":")
			if i < 0 || strings.Contains(ref[i:], "/") || ref[i+1:] == "latest" {
				s.add("TG-COMPOSE-009", v, res, rl, res+".image", fmt.Sprintf("image %s is not pinned to a version", ref))
			}
		}
	}
	for _, cp := range y.Seq(y.Val(svc, "cap_add")) {
		capName := strings.ToUpper(strings.TrimPrefix(y.Str(cp), "CAP_"))
		if dangerousCaps[capName] {
			s.add("TG-COMPOSE-006", cp, res, rl, res+".cap_add."+capName, "adds capability "+capName)
		}
	}
	for _, so := range y.Seq(y.Val(svc, "security_opt")) {
		v := strings.ReplaceAll(y.Str(so), "=", ":")
		if v == "seccomp:unconfined" || v == "apparmor:unconfined" || v == "label:disable" || v == "systempaths:unconfined" {
			s.add("TG-COMPOSE-008", so, res, rl, res+".security_opt."+v, "security_opt "+v)
		}
	}
	for _, vol := range y.Seq(y.Val(svc, "volumes")) {
		src := ""
		if vol.Kind == yaml.ScalarNode {
			src, _, _ = strings.Cut(vol.Value, ":")
		} else if y.Str(y.Val(vol, "type")) == "bind" || y.Val(vol, "source") != nil {
			src = y.Str(y.Val(vol, "source"))
		}
		if src == "" {
			continue
		}
		clean := strings.TrimRight(src, "/")
		if clean == "" {
			clean = "/"
		}
		switch {
		case strings.HasSuffix(src, "docker.sock") || strings.HasSuffix(src, "containerd.sock") || strings.HasSuffix(src, "podman.sock"):
			s.add("TG-COMPOSE-003", vol, res, rl, res+".volumes:"+src, fmt.Sprintf("mounts %s", src))
		case sensitivePaths[clean] || sensitivePrefix(clean):
			s.add("TG-COMPOSE-010", vol, res, rl, res+".volumes:"+src, fmt.Sprintf("mounts host path %s", src))
		}
	}
	for _, pt := range y.Seq(y.Val(svc, "ports")) {
		hostIP, target := "", ""
		if pt.Kind == yaml.ScalarNode {
			spec, _, _ := strings.Cut(pt.Value, "/")
			parts := strings.Split(spec, ":")
			switch len(parts) {
			case 1:
				continue // container port only: not published to a fixed host port (random, still all interfaces)
			case 2:
				target = parts[1]
			default:
				hostIP, target = strings.Join(parts[:len(parts)-2], ":"), parts[len(parts)-1]
			}
		} else {
			target = y.Str(y.Val(pt, "target"))
			hostIP = y.Str(y.Val(pt, "host_ip"))
		}
		db, ok := dbPorts[target]
		if ok && hostIP != "127.0.0.1" && hostIP != "::1" && hostIP != "[::1]" && hostIP != "localhost" {
			s.add("TG-COMPOSE-004", pt, res, rl, res+".ports:"+target, fmt.Sprintf("%s port %s is published on all interfaces", db, target))
		}
	}
	env := y.Val(svc, "environment")
	for _, p := range y.Pairs(env) {
		s.envVar(p.Key.Value, y.Str(p.Value), p.Key, res, rl)
	}
	for _, e := range y.Seq(env) {
		k, v, ok := strings.Cut(y.Str(e), "=")
		if ok {
			s.envVar(k, v, e, res, rl)
		}
	}
}

func (s *scanner) envVar(name, val string, at *yaml.Node, res string, rl int) {
	if !secretNameRe.MatchString(name) || val == "" || strings.Contains(val, "${") || strings.HasPrefix(val, "$") ||
		strings.HasPrefix(val, "/") || strings.HasSuffix(strings.ToUpper(name), "_FILE") {
		return
	}
	s.add("TG-COMPOSE-005", at, res, rl, res+".environment."+name, fmt.Sprintf("%s has a literal value", name))
}

// sensitivePrefix catches files and directories below the host's system trees (/etc/shadow,
// /proc/1/root); /home and /run subpaths are left alone as they are common in development setups.
func sensitivePrefix(p string) bool {
	for _, d := range []string{"/etc/", "/proc/", "/sys/", "/root/", "/boot/", "/dev/", "/var/lib/docker/", "/var/run/docker"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}
