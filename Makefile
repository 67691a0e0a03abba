# Builds ngx_http_k8flex_module.so out of tree against Debian's nginx-dev
# (or any nginx source tree: make NGINX_SRC=/path/to/nginx-1.x), with the
# configure flags that nginx was built with, so the module loads into it.

NGINX_SRC   ?= /usr/share/nginx/src
BUILD       ?= build
CC          ?= cc

MODULE       = $(BUILD)/ngx_http_k8flex_module.so
NGX_TREE     = $(BUILD)/nginx
SOURCES      = config ngx_http_k8flex_module.c $(wildcard src/*.[ch]) \
               $(wildcard adapters/*.[ch])

UNIT_CFLAGS  = -std=gnu99 -Wall -Wextra -Wpointer-arith -Wshadow -Werror \
               -g -O1 -Iadapters
UNIT_LIBS    = -ljansson -lpcre2-8
ADAPTERS     = $(wildcard adapters/*.c)
TAP          = t/unit/tap.c t/unit/tap.h


all: $(MODULE)

$(NGX_TREE)/objs/Makefile: config $(NGINX_SRC)/conf_flags
	@test -f $(NGINX_SRC)/conf_flags || { \
	    echo "no $(NGINX_SRC)/conf_flags: install nginx-dev" >&2; exit 1; }
	rm -rf $(NGX_TREE)
	mkdir -p $(BUILD)
	cp -r $(NGINX_SRC) $(NGX_TREE)
	cd $(NGX_TREE) && bash -c '. ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --add-dynamic-module=$(CURDIR) > configure.log 2>&1 \
	    || { tail -20 configure.log; exit 1; }'

$(MODULE): $(NGX_TREE)/objs/Makefile $(SOURCES)
	$(MAKE) -C $(NGX_TREE) -f objs/Makefile modules
	cp $(NGX_TREE)/objs/ngx_http_k8flex_module.so $@.tmp
	mv $@.tmp $@

$(BUILD)/adapters_test: $(ADAPTERS) $(TAP) t/unit/adapters_test.c adapters/*.h
	@mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) $(ADAPTERS) t/unit/tap.c t/unit/adapters_test.c \
	    -o $@ $(UNIT_LIBS)

# the analysis engine's pure-C parts, alone
$(BUILD)/evidence_test: src/k8f_ollama.c src/k8f_evidence.c src/k8f_kobj.c \
                        src/k8f_text.c adapters/k8f_util.c \
                        src/k8f_ollama.h src/k8f_evidence.h \
                        src/k8f_kobj.h src/k8f_text.h $(TAP) \
                        t/unit/evidence_test.c
	@mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -Isrc src/k8f_ollama.c src/k8f_evidence.c \
	    src/k8f_kobj.c src/k8f_text.c adapters/k8f_util.c t/unit/tap.c \
	    t/unit/evidence_test.c \
	    -o $@ -ljansson

$(BUILD)/prompt_test: src/k8f_prompt.c src/k8f_evidence.c src/k8f_kobj.c \
                      src/k8f_text.c adapters/k8f_util.c \
                      src/k8f_prompt.h src/k8f_evidence.h \
                      src/k8f_kobj.h src/k8f_text.h $(TAP) \
                      t/unit/prompt_test.c
	@mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -Isrc src/k8f_prompt.c src/k8f_evidence.c \
	    src/k8f_kobj.c src/k8f_text.c adapters/k8f_util.c t/unit/tap.c \
	    t/unit/prompt_test.c \
	    -o $@ -ljansson

$(BUILD)/engine_test: src/k8f_category.c src/k8f_redact.c src/k8f_category.h \
                      src/k8f_redact.h $(TAP) t/unit/engine_test.c
	@mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -Isrc src/k8f_category.c src/k8f_redact.c \
	    t/unit/tap.c t/unit/engine_test.c -o $@ -ljansson -lpcre2-8

unit: $(BUILD)/adapters_test $(BUILD)/evidence_test $(BUILD)/engine_test \
      $(BUILD)/prompt_test

test: all unit
	t/run

clean:
	rm -rf $(BUILD) t/servroot

.PHONY: all unit test clean
