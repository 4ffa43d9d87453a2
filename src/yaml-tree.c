#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "yaml-tree.h"

int config_fail_at(struct config_error *err, int line, int column, const char *fmt, ...) {
        va_list ap;

        if (err) {
                err->line = line;
                err->column = column;
                va_start(ap, fmt);
                /* A truncated message is still the right message. */
                (void) vsnprintf(err->message, sizeof err->message, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

int config_oom(struct config_error *err) {
        (void) config_fail_at(err, 0, 0, "out of memory");
        return -ENOMEM;
}

/* ---- the arena: every node and value of one tree, freed at once ---- */

struct tree_block {
        struct tree_block *next;
        size_t used, size;
        max_align_t data[];
};

static void *tree_alloc(struct yaml_tree *t, size_t size) {
        struct tree_block *b = t->blocks;

        size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
        if (!b || b->size - b->used < size) {
                size_t data = size > TREE_BLOCK_BYTES ? size : TREE_BLOCK_BYTES;
                if (!(b = malloc(sizeof(*b) + data)))
                        return NULL;
                *b = (struct tree_block) { .next = t->blocks, .size = data };
                t->blocks = b;
        }
        void *p = (char *) b->data + b->used;
        b->used += size;
        return p;
}

void yaml_tree_free(struct yaml_tree *t) {
        while (t->blocks) {
                struct tree_block *next = t->blocks->next;
                free(t->blocks);
                t->blocks = next;
        }
        t->root = NULL;
}

/* ---- YAML -> tree ---- */

struct builder {
        struct yaml_tree tree;
        struct node *stack[CONFIG_MAX_DEPTH];
        size_t depth;
        size_t n_nodes;
        size_t n_documents;
        bool done;
};

static int syntax_error(const yaml_parser_t *p, const char *text, size_t len,
                        struct config_error *err) {
        int line = 0, column = 0;

        if (p->error == YAML_MEMORY_ERROR)
                return config_oom(err);

        if (p->error == YAML_READER_ERROR) {
                /* The reader reports a byte offset, not a mark. */
                size_t end = p->problem_offset < len ? p->problem_offset : len;

                line = 1;
                column = 1;
                for (size_t i = 0; i < end; i++) {
                        if (text[i] == '\n') {
                                line++;
                                column = 1;
                        } else
                                column++;
                }
        } else {
                line = (int) p->problem_mark.line + 1;
                column = (int) p->problem_mark.column + 1;
        }

        if (p->context)
                return config_fail_at(err, line, column, "invalid YAML: %s (%s)", p->problem ?: "error",
                               p->context);
        return config_fail_at(err, line, column, "invalid YAML: %s", p->problem ?: "error");
}

static int builder_add(struct builder *b, const yaml_event_t *e, enum node_kind kind,
                       struct config_error *err) {
        int line = (int) e->start_mark.line + 1, column = (int) e->start_mark.column + 1;
        struct node *n;

        if (b->n_nodes >= CONFIG_MAX_NODES)
                return config_fail_at(err, line, column, "too many YAML nodes (max %d)",
                               CONFIG_MAX_NODES);
        if (kind != NODE_SCALAR && b->depth >= CONFIG_MAX_DEPTH)
                return config_fail_at(err, line, column, "nesting too deep (max %d levels)",
                               CONFIG_MAX_DEPTH);

        n = tree_alloc(&b->tree, sizeof *n);
        if (!n)
                return config_oom(err);
        *n = (struct node) { .kind = kind, .line = line, .column = column };

        if (kind == NODE_SCALAR) {
                n->len = e->data.scalar.length;
                n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                n->value = tree_alloc(&b->tree, n->len + 1);
                if (!n->value)
                        return config_oom(err);
                if (n->len > 0)
                        memcpy(n->value, e->data.scalar.value, n->len);
                n->value[n->len] = '\0';
        }

        if (b->depth == 0)
                b->tree.root = n;
        else {
                struct node *parent = b->stack[b->depth - 1];

                if (parent->last)
                        parent->last->next = n;
                else
                        parent->first = n;
                parent->last = n;
                parent->n_children++;
        }
        b->n_nodes++;

        if (kind != NODE_SCALAR)
                b->stack[b->depth++] = n;
        return 0;
}

static int builder_event(struct builder *b, const yaml_event_t *e, struct config_error *err) {
        int line = (int) e->start_mark.line + 1, column = (int) e->start_mark.column + 1;
        const yaml_char_t *anchor = NULL, *tag = NULL;
        enum node_kind kind;

        switch (e->type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
                return 0;
        case YAML_STREAM_END_EVENT:
                b->done = true;
                return 0;
        case YAML_DOCUMENT_START_EVENT:
                if (b->n_documents++ > 0)
                        return config_fail_at(err, line, column, "only one YAML document is allowed");
                return 0;
        case YAML_ALIAS_EVENT:
                return config_fail_at(err, line, column, "aliases are not supported");
        case YAML_SCALAR_EVENT:
                kind = NODE_SCALAR;
                anchor = e->data.scalar.anchor;
                tag = e->data.scalar.tag;
                break;
        case YAML_SEQUENCE_START_EVENT:
                kind = NODE_LIST;
                anchor = e->data.sequence_start.anchor;
                tag = e->data.sequence_start.tag;
                break;
        case YAML_MAPPING_START_EVENT:
                kind = NODE_MAPPING;
                anchor = e->data.mapping_start.anchor;
                tag = e->data.mapping_start.tag;
                break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                if (b->depth > 0)
                        b->depth--;
                return 0;
        default:
                return config_fail_at(err, line, column, "unexpected YAML event");
        }

        if (anchor)
                return config_fail_at(err, line, column, "anchors are not supported");
        if (tag)
                return config_fail_at(err, line, column, "tags are not supported");
        return builder_add(b, e, kind, err);
}

int yaml_tree_build(const char *text, size_t len, struct yaml_tree *ret, struct config_error *err) {
        struct builder b = {};
        yaml_parser_t parser;
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return config_oom(err);
        yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);

        while (!b.done) {
                yaml_event_t event;

                if (!yaml_parser_parse(&parser, &event)) {
                        r = syntax_error(&parser, text, len, err);
                        break;
                }
                r = builder_event(&b, &event, err);
                yaml_event_delete(&event);
                if (r < 0)
                        break;
        }
        yaml_parser_delete(&parser);

        if (r >= 0 && !b.tree.root)
                r = config_fail_at(err, 0, 0, "the file contains no YAML document");
        if (r < 0) {
                yaml_tree_free(&b.tree);
                return r;
        }
        *ret = b.tree;
        return 0;
}
