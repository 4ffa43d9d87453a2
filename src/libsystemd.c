#include <dlfcn.h>
#include <stddef.h>
#include "libsystemd.h"

#define LIBSYSTEMD "libsystemd.so.0"

static const struct {
        const char *name;
        size_t offset;
} symbols[] = {
        { "sd_bus_open_system",          offsetof(struct libsystemd, bus_open_system) },
        { "sd_bus_open_user",            offsetof(struct libsystemd, bus_open_user) },
        { "sd_bus_flush_close_unref",    offsetof(struct libsystemd, bus_flush_close_unref) },
        { "sd_bus_call_method",          offsetof(struct libsystemd, bus_call_method) },
        { "sd_bus_get_property",         offsetof(struct libsystemd, bus_get_property) },
        { "sd_bus_get_property_string",  offsetof(struct libsystemd, bus_get_property_string) },
        { "sd_bus_get_property_trivial", offsetof(struct libsystemd, bus_get_property_trivial) },
        { "sd_bus_message_read",         offsetof(struct libsystemd, bus_message_read) },
        { "sd_bus_message_read_array",   offsetof(struct libsystemd, bus_message_read_array) },
        { "sd_bus_message_unref",        offsetof(struct libsystemd, bus_message_unref) },
        { "sd_bus_message_enter_container", offsetof(struct libsystemd, bus_message_enter_container) },
        { "sd_bus_message_exit_container", offsetof(struct libsystemd, bus_message_exit_container) },
        { "sd_bus_error_free",           offsetof(struct libsystemd, bus_error_free) },
        { "sd_bus_path_encode",          offsetof(struct libsystemd, bus_path_encode) },
        { "sd_journal_sendv",            offsetof(struct libsystemd, journal_sendv) },
};

const struct libsystemd *libsystemd(const char **ret_why) {
        static struct libsystemd lib;
        static const char *why;
        static int loaded;              /* 0 not tried, 1 loaded, -1 failed */

        if (loaded == 0) {
                void *h = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
                loaded = h ? 1 : -1;
                why = h ? NULL : "libsystemd.so.0 cannot be loaded";
                for (size_t i = 0; h && i < sizeof(symbols) / sizeof(*symbols); i++) {
                        void *f = dlsym(h, symbols[i].name);
                        if (!f) {
                                loaded = -1;
                                why = "libsystemd.so.0 lacks a function we use";
                                break;
                        }
                        *(void **) ((char *) &lib + symbols[i].offset) = f;
                }
        }
        if (ret_why)
                *ret_why = why;
        return loaded > 0 ? &lib : NULL;
}
