/* libsystemd, loaded when it is first needed (dlopen), never at start: a request that runs no
 * playbook unit answers without it. The functions are typed from libsystemd's own headers. */
#pragma once
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

struct libsystemd {
        typeof(sd_bus_open_system) *bus_open_system;
        typeof(sd_bus_open_user) *bus_open_user;
        typeof(sd_bus_flush_close_unref) *bus_flush_close_unref;
        typeof(sd_bus_call_method) *bus_call_method;
        typeof(sd_bus_get_property) *bus_get_property;
        typeof(sd_bus_get_property_string) *bus_get_property_string;
        typeof(sd_bus_get_property_trivial) *bus_get_property_trivial;
        typeof(sd_bus_message_read) *bus_message_read;
        typeof(sd_bus_message_read_array) *bus_message_read_array;
        typeof(sd_bus_message_unref) *bus_message_unref;
        typeof(sd_bus_message_enter_container) *bus_message_enter_container;
        typeof(sd_bus_message_exit_container) *bus_message_exit_container;
        typeof(sd_bus_error_free) *bus_error_free;
        typeof(sd_bus_path_encode) *bus_path_encode;
        typeof(sd_journal_sendv) *journal_sendv;
};

/* The library, or NULL when it cannot be loaded (then *ret_why says why). Loaded once. */
const struct libsystemd *libsystemd(const char **ret_why);
