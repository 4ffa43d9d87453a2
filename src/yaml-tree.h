/* webhook-routing.yml's text -> a small tree of nodes, built from libyaml's event API so that
 * anchors, aliases, tags and extra documents are refused before anything is interpreted. Every
 * node keeps its position for error messages. config.c reads the tree against its schema. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

#define CONFIG_MAX_DEPTH        16              /* nested lists and mappings; the schema needs 4 */
#define CONFIG_MAX_NODES        65536           /* a full config (256 routes) needs ~15000 */

enum node_kind {
        NODE_SCALAR,
        NODE_LIST,
        NODE_MAPPING,
};

struct node {
        enum node_kind kind;
        int line, column;                       /* 1-based */
        bool plain;                             /* scalar written without quotes */
        char *value;                            /* scalar: NUL-terminated, may hold NULs before len */
        size_t len;
        struct node *first, *last, *next;       /* children; a mapping's alternate key, value */
        size_t n_children;
};

#define TREE_BLOCK_BYTES        16384           /* the arena's blocks: one holds a small config */

/* A document's nodes, and the arena that holds them and their values (freed at once). */
struct yaml_tree {
        struct node *root;
        struct tree_block *blocks;
};

/* text[0..len) -> *ret. 0, or -EINVAL / -ENOMEM with *err filled (*ret untouched). */
int yaml_tree_build(const char *text, size_t len, struct yaml_tree *ret, struct config_error *err);
void yaml_tree_free(struct yaml_tree *t);

/* Fills *err (line, column, message) and returns -EINVAL. */
int config_fail_at(struct config_error *err, int line, int column, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* "out of memory" in *err; -ENOMEM. */
int config_oom(struct config_error *err);
