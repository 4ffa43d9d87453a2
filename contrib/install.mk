# Installed files; included by the Makefile. Honours PREFIX and DESTDIR.
# After installing into / run: systemd-sysusers; systemd-tmpfiles --create; journalctl
# --update-catalog; systemctl daemon-reload; create /etc/remediation-webhook/auth-token (mode
# 0640, root:remediation-webhook: systemd-tmpfiles --create sets both);
# systemctl enable --now remediation-webhook.socket. Man pages: remediation-webhook(8),
# remediation-webhook-routing(5). The playbook units are templates the handler starts itself
# (playbook_units: system): nothing to enable.
rw_bindir    = $(PREFIX)/bin
rw_libexec   = $(PREFIX)/libexec/remediation-webhook
rw_systemd   = $(PREFIX)/lib/systemd
rw_etc       = /etc/remediation-webhook
rw_polkit    = $(PREFIX)/share/polkit-1/rules.d
rw_man       = $(PREFIX)/share/man
rw_share     = $(PREFIX)/share/remediation-webhook
rw_playbooks = disk-cleanup self-healing-restart service-restart
rw_units     = remediation-webhook.socket remediation-webhook@.service \
               remediation-playbook-disk-cleanup@.service remediation-playbook-self-healing-restart@.service \
               remediation-playbook-service-restart@.service
rw_examples  = remediation-disk-cleanup.service remediation-disk-cleanup.timer
# System manager only; installed, not enabled (it needs the config's alertmanager_url).
rw_timers    = remediation-verify.service remediation-verify.timer
rw_gen       = $(BUILD)/install
# The handler unit's confinement on the machine installed to (units/SECURITY.md): auto = the
# installed handler's `--confine=full --check-confinement` decides, on this kernel: Landlock there,
# the unit as shipped; else the fallback drop-in beside it (a mount namespace per instance, the
# handler's seccomp filter only). full: never the drop-in; syscalls: always; package: neither, the
# package's postinst decides where it is installed. The drop-in is in rw_share in every case.
UNIT_CONFINE ?= auto
rw_fallback  = 50-confine-syscalls.conf
rw_dropins   = $(rw_systemd)/system/remediation-webhook@.service.d

.PHONY: rw-generate
# Units get the installed binaries' paths; the example config the installed executor's path.
rw_subst     = -e 's|@BINDIR@|$(rw_bindir)|g' -e 's|@LIBEXECDIR@|$(rw_libexec)|g'
rw-generate:
	mkdir -p $(rw_gen)/system $(rw_gen)/user
	for u in $(rw_units); do \
		sed $(rw_subst) "units/$$u" > "$(rw_gen)/system/$$u" && \
		sed $(rw_subst) "units/user/$$u" > "$(rw_gen)/user/$$u" || exit 1; \
	done
	sed 's|/usr/libexec/remediation-webhook/|$(rw_libexec)/|g' contrib/webhook-routing.yml \
		> $(rw_gen)/webhook-routing.yml
	for u in $(rw_examples); do \
		sed $(rw_subst) "contrib/$$u" > "$(rw_gen)/system/$$u" || exit 1; \
	done
	for u in $(rw_timers); do \
		sed $(rw_subst) "units/$$u" > "$(rw_gen)/system/$$u" || exit 1; \
	done
	sed $(rw_subst) "units/remediation-webhook@.service.d/$(rw_fallback)" > "$(rw_gen)/$(rw_fallback)"

install: all rw-generate
	install -Dm755 $(BUILD)/remediation-webhook $(DESTDIR)$(rw_bindir)/remediation-webhook
	install -Dm755 $(BUILD)/remediationctl $(DESTDIR)$(rw_bindir)/remediationctl
	install -Dm755 contrib/apply-remediation $(DESTDIR)$(rw_libexec)/apply-remediation
	install -Dm755 $(BUILD)/remediation-run-playbook $(DESTDIR)$(rw_libexec)/remediation-run-playbook
	install -d $(DESTDIR)$(rw_libexec)/playbooks
	for p in $(rw_playbooks); do \
		install -m755 "contrib/playbooks/$$p" "$(DESTDIR)$(rw_libexec)/playbooks/$$p" || exit 1; \
	done
	install -d $(DESTDIR)$(rw_systemd)/system $(DESTDIR)$(rw_systemd)/user
	for u in $(rw_units); do \
		install -m644 "$(rw_gen)/system/$$u" "$(DESTDIR)$(rw_systemd)/system/$$u" && \
		install -m644 "$(rw_gen)/user/$$u" "$(DESTDIR)$(rw_systemd)/user/$$u" || exit 1; \
	done
	for u in $(rw_examples) $(rw_timers); do \
		install -m644 "$(rw_gen)/system/$$u" "$(DESTDIR)$(rw_systemd)/system/$$u" || exit 1; \
	done
	install -Dm644 $(rw_gen)/$(rw_fallback) $(DESTDIR)$(rw_share)/$(rw_fallback)
	case "$(UNIT_CONFINE)" in \
	auto) if $(DESTDIR)$(rw_bindir)/remediation-webhook --confine=full --check-confinement; then \
		c=full; else c=syscalls; fi ;; \
	full|syscalls|package) c="$(UNIT_CONFINE)" ;; \
	*) echo "UNIT_CONFINE must be auto, full, syscalls or package" >&2; exit 1 ;; \
	esac; \
	if [ "$$c" = syscalls ]; then \
		install -Dm644 $(rw_gen)/$(rw_fallback) "$(DESTDIR)$(rw_dropins)/$(rw_fallback)" && \
		echo "remediation-webhook@.service: the fallback $(rw_dropins)/$(rw_fallback) (a mount namespace per instance, --confine=syscalls)"; \
	else \
		rm -f "$(DESTDIR)$(rw_dropins)/$(rw_fallback)"; rmdir "$(DESTDIR)$(rw_dropins)" 2>/dev/null; \
		[ "$$c" = package ] || echo "remediation-webhook@.service: as shipped (--confine=full)"; \
	fi
	install -Dm644 units/remediation-webhook.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/remediation-webhook.conf
	install -Dm644 units/remediation-webhook.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/remediation-webhook.conf
	install -Dm644 contrib/remediation-webhook.catalog $(DESTDIR)$(rw_systemd)/catalog/remediation-webhook.catalog
	install -Dm644 contrib/remediation-webhook.polkit.rules $(DESTDIR)$(rw_polkit)/50-remediation-webhook.rules
	install -Dm644 contrib/man/remediation-webhook.8 $(DESTDIR)$(rw_man)/man8/remediation-webhook.8
	install -Dm644 contrib/man/remediationctl.8 $(DESTDIR)$(rw_man)/man8/remediationctl.8
	install -Dm644 contrib/man/remediation-webhook-routing.5 $(DESTDIR)$(rw_man)/man5/remediation-webhook-routing.5
	install -d -m755 $(DESTDIR)$(rw_etc)
	if [ -e $(DESTDIR)$(rw_etc)/webhook-routing.yml ]; then \
		echo "keeping existing $(DESTDIR)$(rw_etc)/webhook-routing.yml"; \
	else \
		install -m644 $(rw_gen)/webhook-routing.yml $(DESTDIR)$(rw_etc)/webhook-routing.yml; \
	fi

# The config is removed only when it is still the one install wrote.
uninstall: rw-generate
	rm -f $(DESTDIR)$(rw_bindir)/remediation-webhook $(DESTDIR)$(rw_bindir)/remediationctl
	rm -f $(DESTDIR)$(rw_libexec)/apply-remediation $(DESTDIR)$(rw_libexec)/remediation-run-playbook
	for p in $(rw_playbooks); do rm -f "$(DESTDIR)$(rw_libexec)/playbooks/$$p"; done
	for u in $(rw_units); do \
		rm -f "$(DESTDIR)$(rw_systemd)/system/$$u" "$(DESTDIR)$(rw_systemd)/user/$$u"; \
	done
	for u in $(rw_examples) $(rw_timers); do rm -f "$(DESTDIR)$(rw_systemd)/system/$$u"; done
	rm -f "$(DESTDIR)$(rw_dropins)/$(rw_fallback)" "$(DESTDIR)$(rw_share)/$(rw_fallback)"
	rm -f $(DESTDIR)$(PREFIX)/lib/sysusers.d/remediation-webhook.conf
	rm -f $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/remediation-webhook.conf
	rm -f $(DESTDIR)$(rw_systemd)/catalog/remediation-webhook.catalog
	rm -f $(DESTDIR)$(rw_polkit)/50-remediation-webhook.rules
	rm -f $(DESTDIR)$(rw_man)/man8/remediation-webhook.8 $(DESTDIR)$(rw_man)/man8/remediationctl.8 \
		$(DESTDIR)$(rw_man)/man5/remediation-webhook-routing.5
	if cmp -s $(rw_gen)/webhook-routing.yml $(DESTDIR)$(rw_etc)/webhook-routing.yml; then \
		rm -f $(DESTDIR)$(rw_etc)/webhook-routing.yml; \
	elif [ -e $(DESTDIR)$(rw_etc)/webhook-routing.yml ]; then \
		echo "keeping changed $(DESTDIR)$(rw_etc)/webhook-routing.yml"; \
	fi
	for d in $(rw_libexec)/playbooks $(rw_libexec) $(rw_etc) $(rw_dropins) $(rw_share); do \
		rmdir "$(DESTDIR)$$d" 2>/dev/null || true; \
	done
