/* SPDX-License-Identifier: MIT */
/*
 * Config loading: every kind of error with its exact one-line message,
 * defaults, every key set, limits, ownership, and the shipped configs.
 * JSON in the tables is written with ' for " to stay readable.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/nats.h>
#include <ticker/replay.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "config_internal.h"
#include "tk_check.h"

#define L	"'listen':{'tcp':'127.0.0.1:8765'}"
#define X(ex)	"{" L ",'exchanges':[" ex "]}"
#define XC(c)	"{" L ",'exchanges':[{" SM "}],'clients':" c "}"
#define BN	"'name':'binance','adapter':'binance'"
#define BNS	BN ",'symbols':['BTC-USDT']"
#define SM	"'name':'demo','adapter':'sim','symbols':['BTC-USD']"
#define LX(l)	"{'listen':" l ",'exchanges':[{" SM "}]}"
#define HUB	"'name':'hub','adapter':'nats','symbols':['BTC-USDT']"
#define SRV	"'servers':['nats://127.0.0.1:4222']"
#define PUB(p)	"{" L ",'exchanges':[{" SM "}],'publish':" p "}"
#define EDGE(x)	X("{" HUB "," x "}")
#define A10	"aaaaaaaaaa"
#define A100	A10 A10 A10 A10 A10 A10 A10 A10 A10 A10

static const struct {
	const char	*json;
	const char	*msg;
} bad[] = {
	/* syntax: jansson's text at its line and column */
	{ "{" L ",\n'exchanges':[}", "t.json:2:14: unexpected token near '}'" },
	{ "{" L ",\n\n  'exchanges':[],}",
	    "t.json:3:18: string or '}' expected near '}'" },
	{ "", "t.json:1:0: '[' or '{' expected near end of file" },
	{ "{'listen':", "t.json:1:10: unexpected token near end of file" },
	{ X("{" SM "}") " x", "t.json:1:105: end of file expected near 'x'" },
	/* duplicate JSON keys, with the path of the repeated one */
	{ "{" L "," L "}", "t.json:1:43: listen: duplicate key" },
	{ X("{" BNS ",'name':'b'}"),
	    "t.json:1:115: exchanges[0].name: duplicate key" },
	{ X("{" SM "},{'name':'x','symbols':[],'symbols':[]}"),
	    "t.json:1:136: exchanges[1].symbols: duplicate key" },
	{ LX("{'tcp':'a','tcp':'b'}"),
	    "t.json:1:26: listen.tcp: duplicate key" },
	/* unknown keys, with and without a suggestion */
	{ X("{" BN ",'symbls':['BTC-USDT']}"),
	    "t.json: exchanges[0].symbls: unknown key "
	    "(did you mean \"symbols\"?)" },
	{ X("{" BNS ",'TLS_VERIFY':true}"),
	    "t.json: exchanges[0].TLS_VERIFY: unknown key "
	    "(did you mean \"tls_verify\"?)" },
	{ X("{" BNS ",'stale':1}"),
	    "t.json: exchanges[0].stale: unknown key "
	    "(did you mean \"stale_s\"?)" },
	{ X("{" BNS ",'xyzzy':1}"),
	    "t.json: exchanges[0].xyzzy: unknown key (expected one of: name, "
	    "adapter, symbols, url, rest_url, channels, stale_s, tls_verify, "
	    "rate, seed, file, speed, loop, servers, stream, subject)" },
	{ X("{" BN ",'sym bols':['BTC-USDT']}"),
	    "t.json: exchanges[0].\"sym bols\": unknown key "
	    "(did you mean \"symbols\"?)" },
	{ "{" L ",'exchange':[]}",
	    "t.json: exchange: unknown key (did you mean \"exchanges\"?)" },
	{ LX("{'port':1}"),
	    "t.json: listen.port: unknown key (expected one of: tcp, unix, "
	    "hosts)" },
	{ XC("{'max_clients':5}"),
	    "t.json: clients.max_clients: unknown key (expected one of: max, "
	    "max_message_bytes, queue_ticks, coalesce_ms)" },
	{ XC("{'coalesc_ms':5}"),
	    "t.json: clients.coalesc_ms: unknown key (did you mean "
	    "\"coalesce_ms\"?)" },
	/* wrong types say what was expected */
	{ X("{" BN ",'symbols':'BTC-USDT'}"),
	    "t.json: exchanges[0].symbols: expected an array of strings, "
	    "got a string" },
	{ X("{" BN ",'symbols':['BTC-USDT',5]}"),
	    "t.json: exchanges[0].symbols[1]: expected a string like "
	    "\"BTC-USD\", got 5" },
	{ LX("{'tcp':8765}"),
	    "t.json: listen.tcp: expected \"HOST:PORT\", got 8765" },
	{ LX("{'unix':null}"),
	    "t.json: listen.unix: expected an absolute path, got null" },
	{ LX("[]"), "t.json: listen: expected an object, got an array" },
	{ "[1]", "t.json: expected an object at the top level, got an array" },
	{ "{" L ",'exchanges':{}}",
	    "t.json: exchanges: expected an array of objects, got an object" },
	{ "{" L ",'exchanges':['binance']}",
	    "t.json: exchanges[0]: expected an object, got a string" },
	{ X("{'name':true,'adapter':'sim','symbols':['A-B']}"),
	    "t.json: exchanges[0].name: expected a string, got true" },
	{ X("{'name':'a','adapter':1,'symbols':['A-B']}"),
	    "t.json: exchanges[0].adapter: expected a string, got 1" },
	{ X("{" BNS ",'url':{}}"),
	    "t.json: exchanges[0].url: expected a ws:// or wss:// URL, "
	    "got an object" },
	{ X("{" BNS ",'channels':'trade'}"),
	    "t.json: exchanges[0].channels: expected an array of channels "
	    "(trade, quote, funding), got a string" },
	{ X("{" BNS ",'channels':['trade',false]}"),
	    "t.json: exchanges[0].channels[1]: expected a channel "
	    "(trade, quote, funding), got false" },
	{ X("{" BNS ",'stale_s':'30'}"),
	    "t.json: exchanges[0].stale_s: expected a number of seconds, "
	    "got a string" },
	{ X("{" BNS ",'tls_verify':'no'}"),
	    "t.json: exchanges[0].tls_verify: expected true or false, "
	    "got a string" },
	{ X("{" SM ",'rate':[5]}"),
	    "t.json: exchanges[0].rate: expected a number of ticks per "
	    "second, got an array" },
	{ X("{" SM ",'seed':1.5}"),
	    "t.json: exchanges[0].seed: expected a non-negative integer, "
	    "got 1.5" },
	{ X("{" SM ",'seed':-1}"),
	    "t.json: exchanges[0].seed: expected a non-negative integer, "
	    "got -1" },
	{ XC("[]"),
	    "t.json: clients: expected an object, got an array" },
	{ XC("{'max':'10'}"),
	    "t.json: clients.max: expected an integer from 1 to 1000000, "
	    "got a string" },
	{ XC("{'max':100.0}"),
	    "t.json: clients.max: expected an integer from 1 to 1000000, "
	    "got 100.0" },
	/* symbols */
	{ X("{" SM "},{'name':'b','adapter':'sim','symbols':['BTCUSD']}"),
	    "t.json: exchanges[1].symbols[0]: \"BTCUSD\" is not BASE-QUOTE "
	    "(expected upper case like \"BTC-USD\")" },
	{ X("{" BN ",'symbols':['BTC-USDT','btc-usd']}"),
	    "t.json: exchanges[0].symbols[1]: \"btc-usd\" is not BASE-QUOTE "
	    "(expected upper case like \"BTC-USD\")" },
	{ X("{" BN ",'symbols':['BTC-USDT','ETH-USDT','BTC-USDT']}"),
	    "t.json: exchanges[0].symbols[2]: \"BTC-USDT\" is already listed "
	    "as symbols[0]" },
	{ X("{" BN ",'symbols':[]}"),
	    "t.json: exchanges[0].symbols: expected at least one symbol" },
	/* values are quoted, escaped and cut so a message stays one line */
	{ X("{" BN ",'symbols':['B\\'C-\\n']}"),
	    "t.json: exchanges[0].symbols[0]: \"B\\\"C-\\x0a\" is not "
	    "BASE-QUOTE (expected upper case like \"BTC-USD\")" },
	{ X("{" BN ",'symbols':['" A10 A10 A10 A10 "X-Y']}"),
	    "t.json: exchanges[0].symbols[0]: \"" A10 A10 A10 A10 "\"... is "
	    "not BASE-QUOTE (expected upper case like \"BTC-USD\")" },
	{ X("{" BN ",'symbols':['" A10 A10 A10 "aaaaaaaaa\\u00e9']}"),
	    "t.json: exchanges[0].symbols[0]: \"" A10 A10 A10 "aaaaaaaaa\"... "
	    "is not BASE-QUOTE (expected upper case like \"BTC-USD\")" },
	/* names */
	{ X("{" SM "},{" BNS "},{'name':'binance','adapter':'sim',"
	    "'symbols':['A-B']}"),
	    "t.json: exchanges[2].name: \"binance\" is already used by "
	    "exchanges[1]" },
	{ X("{'name':'Binance','adapter':'binance','symbols':['A-B']}"),
	    "t.json: exchanges[0].name: \"Binance\" is not a valid name "
	    "(expected 1 to 31 of a-z, 0-9, \"_\" and \"-\")" },
	{ X("{'name':'','adapter':'binance','symbols':['A-B']}"),
	    "t.json: exchanges[0].name: \"\" is not a valid name "
	    "(expected 1 to 31 of a-z, 0-9, \"_\" and \"-\")" },
	{ X("{'name':'" A10 A10 A10 "aa','adapter':'sim','symbols':['A-B']}"),
	    "t.json: exchanges[0].name: \"" A10 A10 A10 "aa\" is not a valid "
	    "name (expected 1 to 31 of a-z, 0-9, \"_\" and \"-\")" },
	/* adapters (an unknown one far from all: test_config_adapter_list) */
	{ X("{'name':'k','adapter':'krakn','symbols':['BTC-USD']}"),
	    "t.json: exchanges[0].adapter: \"krakn\" is not an adapter "
	    "(did you mean \"kraken\"?)" },
	{ X("{'name':'k','adapter':'binanse','symbols':['BTC-USD']}"),
	    "t.json: exchanges[0].adapter: \"binanse\" is not an adapter "
	    "(did you mean \"binance\"?)" },
	{ X("{'name':'k','adapter':'SIM','symbols':['BTC-USD']}"),
	    "t.json: exchanges[0].adapter: \"SIM\" is not an adapter "
	    "(did you mean \"sim\"?)" },
	/* urls */
	{ X("{" BNS ",'url':'https://stream.binance.com/ws'}"),
	    "t.json: exchanges[0].url: \"https://stream.binance.com/ws\" is "
	    "not a ws:// or wss:// URL" },
	{ X("{" BNS ",'url':'wss://'}"),
	    "t.json: exchanges[0].url: \"wss://\" is not a ws:// or wss:// "
	    "URL" },
	{ X("{" BNS ",'url':'ws://a b'}"),
	    "t.json: exchanges[0].url: \"ws://a b\" is not a ws:// or wss:// "
	    "URL" },
	{ X("{" SM ",'url':'ws://127.0.0.1:9/'}"),
	    "t.json: exchanges[0].url: adapter \"sim\" does not connect "
	    "anywhere (remove \"url\")" },
	/* rest_url: only for adapters that ask before connecting */
	{ X("{" BNS ",'rest_url':'https://api.binance.com'}"),
	    "t.json: exchanges[0].rest_url: adapter \"binance\" makes no "
	    "REST requests (remove \"rest_url\")" },
	{ X("{'name':'o','adapter':'okx','symbols':['BTC-USDT-PERP'],"
	    "'rest_url':'wss://www.okx.com'}"),
	    "t.json: exchanges[0].rest_url: \"wss://www.okx.com\" is not an "
	    "http:// or https:// URL (scheme, host, optional port and path; "
	    "no query)" },
	{ X("{'name':'o','adapter':'okx','symbols':['BTC-USDT-PERP'],"
	    "'rest_url':'https://'}"),
	    "t.json: exchanges[0].rest_url: \"https://\" is not an http:// "
	    "or https:// URL (scheme, host, optional port and path; no "
	    "query)" },
	{ X("{'name':'o','adapter':'okx','symbols':['BTC-USDT-PERP'],"
	    "'rest_url':'http://127.0.0.1:1/a?x=1'}"),
	    "t.json: exchanges[0].rest_url: \"http://127.0.0.1:1/a?x=1\" is "
	    "not an http:// or https:// URL (scheme, host, optional port and "
	    "path; no query)" },
	{ X("{'name':'o','adapter':'okx','symbols':['BTC-USDT-PERP'],"
	    "'rest_url':7}"),
	    "t.json: exchanges[0].rest_url: expected an http:// or https:// "
	    "URL, got 7" },
	/* perpetual swaps only where the adapter has them */
	{ X("{" BN ",'symbols':['BTC-USDT-PERP']}"),
	    "t.json: exchanges[0].symbols[0]: \"BTC-USDT-PERP\": adapter "
	    "\"binance\" has no such market" },
	/* channels */
	{ X("{" BNS ",'channels':['trades']}"),
	    "t.json: exchanges[0].channels[0]: \"trades\" is not a channel "
	    "(did you mean \"trade\"?)" },
	{ X("{" BNS ",'channels':['trade','book']}"),
	    "t.json: exchanges[0].channels[1]: \"book\" is not a channel "
	    "(expected one of: trade, quote, funding)" },
	/* a tick type, but tickerd's own: never an exchange's channel */
	{ X("{" BNS ",'channels':['bbo']}"),
	    "t.json: exchanges[0].channels[0]: \"bbo\" is not a channel "
	    "(expected one of: trade, quote, funding)" },
	{ X("{" BNS ",'channels':['trade','funding']}"),
	    "t.json: exchanges[0].channels[1]: adapter \"binance\" does not "
	    "offer \"funding\" (it offers: trade, quote)" },
	{ X("{" BNS ",'channels':['quote','trade','quote']}"),
	    "t.json: exchanges[0].channels[2]: \"quote\" is already listed "
	    "as channels[0]" },
	{ X("{" BNS ",'channels':[]}"),
	    "t.json: exchanges[0].channels: expected at least one channel" },
	/* sim-only keys elsewhere */
	{ X("{" BNS ",'rate':5}"),
	    "t.json: exchanges[0].rate: only valid for adapter \"sim\"" },
	{ X("{" SM "},{" BNS ",'seed':5}"),
	    "t.json: exchanges[1].seed: only valid for adapter \"sim\"" },
	/* replay-only keys elsewhere */
	{ X("{" BNS ",'file':'r.jsonl'}"),
	    "t.json: exchanges[0].file: only valid for adapter \"replay\"" },
	{ X("{" SM ",'speed':1}"),
	    "t.json: exchanges[0].speed: only valid for adapter \"replay\"" },
	{ X("{" SM "},{" BNS ",'loop':false}"),
	    "t.json: exchanges[1].loop: only valid for adapter \"replay\"" },
	/* ranges */
	{ X("{" BNS ",'stale_s':0}"),
	    "t.json: exchanges[0].stale_s: 0 is out of range (expected more "
	    "than 0 and at most 3600)" },
	{ X("{" BNS ",'stale_s':3600.5}"),
	    "t.json: exchanges[0].stale_s: 3600.5 is out of range (expected "
	    "more than 0 and at most 3600)" },
	{ X("{" BNS ",'stale_s':1e300}"),
	    "t.json: exchanges[0].stale_s: 1e+300 is out of range (expected "
	    "more than 0 and at most 3600)" },
	{ X("{" SM ",'rate':-0.5}"),
	    "t.json: exchanges[0].rate: -0.5 is out of range (expected more "
	    "than 0 and at most 1000000)" },
	{ X("{" SM ",'rate':1000001}"),
	    "t.json: exchanges[0].rate: 1000001 is out of range (expected "
	    "more than 0 and at most 1000000)" },
	{ XC("{'max':0}"),
	    "t.json: clients.max: 0 is out of range (expected an integer "
	    "from 1 to 1000000)" },
	{ XC("{'max':1000001}"),
	    "t.json: clients.max: 1000001 is out of range (expected an "
	    "integer from 1 to 1000000)" },
	{ XC("{'max_message_bytes':63}"),
	    "t.json: clients.max_message_bytes: 63 is out of range (expected "
	    "an integer from 64 to 1048576)" },
	{ XC("{'queue_ticks':1048577}"),
	    "t.json: clients.queue_ticks: 1048577 is out of range (expected "
	    "an integer from 64 to 1048576)" },
	{ XC("{'coalesce_ms':1001}"),
	    "t.json: clients.coalesce_ms: 1001 is out of range (expected "
	    "an integer from 0 to 1000)" },
	{ XC("{'coalesce_ms':-1}"),
	    "t.json: clients.coalesce_ms: -1 is out of range (expected "
	    "an integer from 0 to 1000)" },
	/* missing required keys */
	{ "{'exchanges':[]}", "t.json: missing required key \"listen\"" },
	{ "{" L "}", "t.json: missing required key \"exchanges\"" },
	{ X("{" BN "}"),
	    "t.json: exchanges[0]: missing required key \"symbols\"" },
	{ X("{'adapter':'sim','symbols':['A-B']}"),
	    "t.json: exchanges[0]: missing required key \"name\"" },
	{ X("{'name':'a','symbols':['A-B']}"),
	    "t.json: exchanges[0]: missing required key \"adapter\"" },
	{ "{" L ",'exchanges':[]}",
	    "t.json: exchanges: expected at least one exchange" },
	/* listeners */
	{ LX("{}"),
	    "t.json: listen: expected at least one of \"tcp\" and \"unix\"" },
	{ LX("{'tcp':'127.0.0.1:0'}"),
	    "t.json: listen.tcp: \"127.0.0.1:0\": PORT must be a decimal "
	    "number from 1 to 65535" },
	{ LX("{'tcp':'127.0.0.1:65536'}"),
	    "t.json: listen.tcp: \"127.0.0.1:65536\": PORT must be a decimal "
	    "number from 1 to 65535" },
	{ LX("{'tcp':'127.0.0.1:0x50'}"),
	    "t.json: listen.tcp: \"127.0.0.1:0x50\": PORT must be a decimal "
	    "number from 1 to 65535" },
	{ LX("{'tcp':'127.0.0.1:080'}"),
	    "t.json: listen.tcp: \"127.0.0.1:080\": PORT must be a decimal "
	    "number from 1 to 65535" },
	{ LX("{'tcp':'127.0.0.1:+80'}"),
	    "t.json: listen.tcp: \"127.0.0.1:+80\": PORT must be a decimal "
	    "number from 1 to 65535" },
	{ LX("{'tcp':'127.0.0.1:'}"),
	    "t.json: listen.tcp: \"127.0.0.1:\": PORT must be a decimal "
	    "number from 1 to 65535" },
	{ LX("{'tcp':'localhost:0000080'}"),
	    "t.json: listen.tcp: \"localhost:0000080\": PORT must be a "
	    "decimal number from 1 to 65535" },
	{ LX("{'tcp':'example.com:80'}"),
	    "t.json: listen.tcp: \"example.com:80\": HOST must be an IPv4 "
	    "address, \"localhost\" or \"[IPv6 address]\"" },
	{ LX("{'tcp':'256.0.0.1:80'}"),
	    "t.json: listen.tcp: \"256.0.0.1:80\": HOST must be an IPv4 "
	    "address, \"localhost\" or \"[IPv6 address]\"" },
	{ LX("{'tcp':'::1:80'}"),
	    "t.json: listen.tcp: \"::1:80\": HOST must be an IPv4 "
	    "address, \"localhost\" or \"[IPv6 address]\"" },
	{ LX("{'tcp':'[127.0.0.1]:80'}"),
	    "t.json: listen.tcp: \"[127.0.0.1]:80\": HOST must be an IPv4 "
	    "address, \"localhost\" or \"[IPv6 address]\"" },
	{ LX("{'tcp':'8765'}"),
	    "t.json: listen.tcp: \"8765\" is not HOST:PORT (expected like "
	    "\"127.0.0.1:8765\")" },
	{ LX("{'tcp':':8765'}"),
	    "t.json: listen.tcp: \":8765\" is not HOST:PORT (expected like "
	    "\"127.0.0.1:8765\")" },
	{ LX("{'unix':'tickerd.sock'}"),
	    "t.json: listen.unix: \"tickerd.sock\" is not an absolute path" },
	{ LX("{'unix':'/" A100 "aaaaaaa'}"),
	    "t.json: listen.unix: path is 108 bytes, a unix socket path must "
	    "be shorter than 108" },
	/* scaling out: publish.nats and adapter "nats" */
	{ PUB("[]"), "t.json: publish: expected an object, got an array" },
	{ PUB("{'nast':{}}"),
	    "t.json: publish.nast: unknown key (did you mean \"nats\"?)" },
	{ PUB("{'kafka':{}}"),
	    "t.json: publish.kafka: unknown key (expected one of: nats)" },
	{ PUB("{'nats':{'stream':'T'}}"),
	    "t.json: publish.nats: missing required key \"servers\"" },
	{ PUB("{'nats':{" SRV "}}"),
	    "t.json: publish.nats: missing required key \"stream\"" },
	{ PUB("{'nats':{" SRV ",'stream':'T','replica':3}}"),
	    "t.json: publish.nats.replica: unknown key (did you mean "
	    "\"replicas\"?)" },
	{ PUB("{'nats':{" SRV ",'stream':'T','ttl':3}}"),
	    "t.json: publish.nats.ttl: unknown key (expected one of: servers, "
	    "stream, subject, replicas, storage, max_age_s, "
	    "duplicate_window_s, max_pending)" },
	{ PUB("{'nats':{'servers':[],'stream':'T'}}"),
	    "t.json: publish.nats.servers: expected an array of 1 to 16 URLs "
	    "like \"nats://127.0.0.1:4222\", got an array" },
	{ PUB("{'nats':{'servers':'nats://a:1','stream':'T'}}"),
	    "t.json: publish.nats.servers: expected an array of 1 to 16 URLs "
	    "like \"nats://127.0.0.1:4222\", got a string" },
	{ PUB("{'nats':{'servers':['nats://a:1','http://b'],'stream':'T'}}"),
	    "t.json: publish.nats.servers[1]: \"http://b\" is not a "
	    "nats://HOST:PORT URL (nats:// only, no credentials)" },
	{ PUB("{'nats':{'servers':['nats://a:1','nats://a:1'],"
	    "'stream':'T'}}"),
	    "t.json: publish.nats.servers[1]: \"nats://a:1\" is already "
	    "listed as servers[0]" },
	{ PUB("{'nats':{" SRV ",'stream':'T.X'}}"),
	    "t.json: publish.nats.stream: \"T.X\" is not a valid stream name "
	    "(expected 1 to 31 of A-Z, a-z, 0-9, \"_\" and \"-\")" },
	{ PUB("{'nats':{" SRV ",'stream':'T','subject':'ticks.>'}}"),
	    "t.json: publish.nats.subject: \"ticks.>\" is not a subject "
	    "prefix (expected tokens like \"ticks\" or \"md.ticks\": no "
	    "wildcards, no spaces)" },
	{ PUB("{'nats':{" SRV ",'stream':'T','replicas':0}}"),
	    "t.json: publish.nats.replicas: 0 is out of range (expected an "
	    "integer from 1 to 5)" },
	{ PUB("{'nats':{" SRV ",'stream':'T','storage':'memroy'}}"),
	    "t.json: publish.nats.storage: \"memroy\" is not a storage (did "
	    "you mean \"memory\"?)" },
	{ PUB("{'nats':{" SRV ",'stream':'T','storage':'ram'}}"),
	    "t.json: publish.nats.storage: \"ram\" is not a storage "
	    "(expected one of: file, memory)" },
	{ PUB("{'nats':{" SRV ",'stream':'T','storage':1}}"),
	    "t.json: publish.nats.storage: expected \"file\" or \"memory\", "
	    "got 1" },
	{ PUB("{'nats':{" SRV ",'stream':'T','max_age_s':'1h'}}"),
	    "t.json: publish.nats.max_age_s: expected an integer from 1 to "
	    "31622400, got a string" },
	{ PUB("{'nats':{" SRV ",'stream':'T','duplicate_window_s':5}}"),
	    "t.json: publish.nats.duplicate_window_s: 5 is out of range "
	    "(expected an integer from 10 to 3600)" },
	{ PUB("{'nats':{" SRV ",'stream':'T','max_age_s':20}}"),
	    "t.json: publish.nats.duplicate_window_s: 30 is longer than "
	    "max_age_s (20)" },
	{ PUB("{'nats':{" SRV ",'stream':'T','max_pending':1}}"),
	    "t.json: publish.nats.max_pending: 1 is out of range (expected "
	    "an integer from 16 to 1048576)" },
	{ EDGE("'stream':'T'"),
	    "t.json: exchanges[0]: missing required key \"servers\"" },
	{ EDGE(SRV), "t.json: exchanges[0]: missing required key \"stream\"" },
	{ EDGE(SRV ",'stream':'T','url':'ws://a/'"),
	    "t.json: exchanges[0].url: adapter \"nats\" does not connect "
	    "anywhere (remove \"url\")" },
	{ EDGE("'servers':['nats://a:1',1],'stream':'T'"),
	    "t.json: exchanges[0].servers[1]: expected a URL like "
	    "\"nats://127.0.0.1:4222\", got 1" },
	{ X("{" SM ",'stream':'T'}"),
	    "t.json: exchanges[0].stream: only valid for adapter \"nats\"" },
	{ "{" L ",'exchanges':[{" HUB "," SRV ",'stream':'TICKS'}],"
	    "'publish':{'nats':{" SRV ",'stream':'TICKS'}}}",
	    "t.json: publish.nats.stream: exchanges[0] (\"hub\") reads stream "
	    "\"TICKS\" from the same servers: it would read back what this "
	    "host publishes" },
};

/* ' -> " so the tables above stay legible; the caller frees. */
static char *
dq(const char *s)
{
	char *t = strdup(s), *p;

	ck_assert(t != NULL);
	for (p = t; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static int
parse(const char *json, struct tk_config *cf, char *err, size_t errlen)
{
	char *text = dq(json);
	int r;

	r = tk_config_parse(text, strlen(text), "t.json", cf, err, errlen);
	free(text);
	return r;
}

/* Fails the test with the message if @json does not load. */
static void
parse_ok(const char *json, struct tk_config *cf)
{
	char err[TK_CONFIG_ERR_MAX] = "";

	ck_assert_msg(parse(json, cf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(err, "");
}

START_TEST(test_config_error)
{
	struct tk_config cf, before;
	char err[TK_CONFIG_ERR_MAX];

	memset(&cf, 0xa5, sizeof(cf));
	before = cf;
	ck_assert_int_eq(parse(bad[_i].json, &cf, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, bad[_i].msg);
	ck_assert(memcmp(&cf, &before, sizeof(cf)) == 0);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* An adapter name close to none: the message lists the registry's. */
START_TEST(test_config_adapter_list)
{
	const struct tk_adapter *const *all = tk_adapter_all();
	char err[TK_CONFIG_ERR_MAX], want[TK_CONFIG_ERR_MAX];
	struct tk_config cf, before;
	size_t i, off;

	off = (size_t)snprintf(want, sizeof(want), "t.json: exchanges[0]."
	    "adapter: \"nosuchexchange\" is not an adapter (expected one of: ");
	for (i = 0; all[i] != NULL; i++)
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s",
		    i > 0 ? ", " : "", all[i]->name);
	ck_assert_uint_lt(off + 1, sizeof(want));
	want[off++] = ')';
	want[off] = '\0';
	ck_assert_uint_ge(i, 9);	/* six exchanges, sim, replay, nats */
	memset(&cf, 0xa5, sizeof(cf));
	before = cf;
	ck_assert_int_eq(parse(X("{'name':'k','adapter':'nosuchexchange',"
	    "'symbols':['BTC-USD']}"), &cf, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, want);
	ck_assert(memcmp(&cf, &before, sizeof(cf)) == 0);
}
END_TEST

/* Accepted listeners and the limits that are just inside. */
static const char *const good[] = {
	X("{" SM "}"),
	"{'listen':{'tcp':'[::1]:8765'},'exchanges':[{" SM "}]}",
	"{'listen':{'tcp':'localhost:1'},'exchanges':[{" SM "}]}",
	"{'listen':{'tcp':'0.0.0.0:65535'},'exchanges':[{" SM "}]}",
	"{'listen':{'unix':'/" A100 "aaaaaa'},'exchanges':[{" SM "}]}",
	X("{'name':'" A10 A10 A10 "a','adapter':'sim','symbols':['A-B']}"),
	X("{'name':'a_0-z','adapter':'sim','symbols':"
	    "['ABCDEFGHIJKLMNO-PQRSTUVWXYZ0123']}"),
	X("{" SM ",'rate':1000000,'seed':0}"),
	X("{" SM ",'rate':0.001,'seed':9223372036854775807}"),
	X("{" BNS ",'stale_s':3600}"),
	X("{" BNS ",'stale_s':0.1}"),
	XC("{}"),
	XC("{'max':1,'max_message_bytes':64,"
	    "'queue_ticks':64}"),
	XC("{'max':1000000,'max_message_bytes':"
	    "1048576,'queue_ticks':1048576}"),
	XC("{'queue_ticks':100}"),
	XC("{'coalesce_ms':0}"),
	XC("{'coalesce_ms':1000}"),
};

START_TEST(test_config_good)
{
	struct tk_config cf;

	parse_ok(good[_i], &cf);
	ck_assert_uint_eq(cf.nexchanges, 1);
	tk_config_free(&cf);
}
END_TEST

START_TEST(test_config_defaults_binance)
{
	const struct tk_exchange_conf *e;
	struct tk_config cf;

	parse_ok(X("{" BNS "}"), &cf);
	ck_assert_str_eq(cf.path, "t.json");
	ck_assert_str_eq(cf.listen_tcp, "127.0.0.1:8765");
	ck_assert_ptr_null(cf.listen_unix);
	ck_assert_uint_eq(cf.nexchanges, 1);
	e = &cf.exchanges[0];
	ck_assert_str_eq(e->name, "binance");
	ck_assert_ptr_eq(e->adapter, tk_test_adapter("binance"));
	ck_assert_uint_eq(e->nsymbols, 1);
	ck_assert_str_eq(e->symbols[0], "BTC-USDT");
	ck_assert_str_eq(e->url, e->adapter->default_url);
	ck_assert_uint_eq(e->types, e->adapter->types);
	ck_assert(e->stale_s == 30.0);
	ck_assert_int_eq(e->insecure, 0);
	ck_assert(e->rate == 10.0);
	ck_assert_uint_eq(e->seed, 1);
	ck_assert_uint_eq(cf.clients.max_clients, 1024);
	ck_assert_uint_eq(cf.clients.max_message, 4096);
	ck_assert_uint_eq(cf.clients.queue_ticks, 8192);
	ck_assert_uint_eq(cf.clients.coalesce_ms, 20);
	tk_config_free(&cf);
}
END_TEST

/* REST: the adapter's base by default, the configured one else. */
START_TEST(test_config_rest_url)
{
	struct tk_config cf;

	parse_ok(X("{'name':'o','adapter':'okx','symbols':['BTC-USDT-PERP',"
	    "'BTC-USDT']}"), &cf);
	ck_assert_str_eq(cf.exchanges[0].rest_url, "https://www.okx.com");
	ck_assert_str_eq(cf.exchanges[0].symbols[0], "BTC-USDT-PERP");
	tk_config_free(&cf);
	parse_ok(X("{'name':'o','adapter':'okx','symbols':['BTC-USDT'],"
	    "'rest_url':'http://127.0.0.1:8080/prefix'}"), &cf);
	ck_assert_str_eq(cf.exchanges[0].rest_url,
	    "http://127.0.0.1:8080/prefix");
	ck_assert_uint_eq(cf.nwarnings, 0);	/* loopback */
	tk_config_free(&cf);
	/* adapters without REST have none */
	parse_ok(X("{" BNS "}"), &cf);
	ck_assert_ptr_null(cf.exchanges[0].rest_url);
	tk_config_free(&cf);
}
END_TEST

START_TEST(test_config_defaults_sim)
{
	const struct tk_exchange_conf *e;
	struct tk_config cf;

	parse_ok(X("{" SM "}"), &cf);
	e = &cf.exchanges[0];
	ck_assert_ptr_eq(e->adapter, tk_test_adapter("sim"));
	ck_assert_ptr_null(e->url);
	ck_assert_uint_eq(e->types, TK_TYPES_ALL);
	ck_assert(e->rate == 10.0);
	ck_assert_uint_eq(e->seed, 1);
	ck_assert(e->stale_s == 30.0);
	tk_config_free(&cf);
	/* the sim offers funding, when asked for by name */
	parse_ok(X("{" SM ",'channels':['funding','quote']}"), &cf);
	ck_assert_uint_eq(cf.exchanges[0].types,
	    TK_TYPE_BIT(TK_TICK_FUNDING) | TK_TYPE_BIT(TK_TICK_QUOTE));
	tk_config_free(&cf);
}
END_TEST

START_TEST(test_config_every_key)
{
	const struct tk_exchange_conf *e;
	struct tk_config cf;

	parse_ok("{'listen':{'tcp':'[::1]:9000','unix':'/run/t.sock'},"
	    "'exchanges':[{" BN ",'symbols':['ETH-USDT','BTC-USDT'],"
	    "'url':'ws://127.0.0.1:9001/ws','channels':['quote'],"
	    "'stale_s':2.5,'tls_verify':false},"
	    "{" SM ",'channels':['quote','trade'],'rate':0.5,"
	    "'seed':18446744073709551,'tls_verify':true}],"
	    "'clients':{'max':7,'max_message_bytes':100,"
	    "'queue_ticks':1000,'coalesce_ms':3}}", &cf);
	ck_assert_str_eq(cf.listen_tcp, "[::1]:9000");
	ck_assert_str_eq(cf.listen_unix, "/run/t.sock");
	ck_assert_uint_eq(cf.nexchanges, 2);
	e = &cf.exchanges[0];
	ck_assert_uint_eq(e->nsymbols, 2);
	ck_assert_str_eq(e->symbols[0], "ETH-USDT");
	ck_assert_str_eq(e->symbols[1], "BTC-USDT");
	ck_assert_str_eq(e->url, "ws://127.0.0.1:9001/ws");
	ck_assert_uint_eq(e->types, TK_TYPE_BIT(TK_TICK_QUOTE));
	ck_assert(e->stale_s == 2.5);
	ck_assert_int_eq(e->insecure, 1);
	e = &cf.exchanges[1];
	ck_assert_str_eq(e->name, "demo");
	ck_assert_uint_eq(e->types, TK_TYPES_ALL);
	ck_assert(e->rate == 0.5);
	ck_assert_uint_eq(e->seed, 18446744073709551ull);
	ck_assert_int_eq(e->insecure, 0);
	ck_assert_uint_eq(cf.clients.max_clients, 7);
	ck_assert_uint_eq(cf.clients.max_message, 100);
	ck_assert_uint_eq(cf.clients.queue_ticks, 1000);
	ck_assert_uint_eq(cf.clients.coalesce_ms, 3);
	ck_assert_ptr_eq(tk_config_exchange(&cf, "demo"), &cf.exchanges[1]);
	ck_assert_ptr_eq(tk_config_exchange(&cf, "binance"),
	    &cf.exchanges[0]);
	ck_assert_ptr_null(tk_config_exchange(&cf, "bin"));
	ck_assert_ptr_null(tk_config_exchange(&cf, NULL));
	ck_assert_ptr_null(tk_config_exchange(NULL, "demo"));
	tk_config_free(&cf);
}
END_TEST

/* No shipped adapter lacks a channel yet, so a fake table stands in. */
static const struct tk_adapter trade_only = {
	.name = "tradeonly",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://example.invalid/ws",
	.types = TK_TYPE_BIT(TK_TICK_TRADE),
};

static int
parse_fake(const char *json, struct tk_config *cf, char *err,
    size_t errlen)
{
	const struct tk_adapter *fake_adapters[] = {
		&trade_only, tk_test_adapter("sim"), NULL,
	};
	char *text = dq(json);
	int r;

	r = tk__config_parse_with(fake_adapters, text, strlen(text), "f.json",
	    cf, err, errlen);
	free(text);
	return r;
}

START_TEST(test_config_channel_unsupported)
{
	char err[TK_CONFIG_ERR_MAX];
	struct tk_config cf;

	ck_assert_int_eq(parse_fake(X("{'name':'t','adapter':'tradeonly',"
	    "'symbols':['A-B'],'channels':['trade','quote']}"), &cf, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "f.json: exchanges[0].channels[1]: adapter "
	    "\"tradeonly\" does not offer \"quote\" (it offers: trade)");

	/* The adapter list in messages is the table's. */
	ck_assert_int_eq(parse_fake(X("{" BNS "}"), &cf, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "f.json: exchanges[0].adapter: \"binance\" is "
	    "not an adapter (expected one of: tradeonly, sim)");

	/* Defaults follow what the adapter offers. */
	ck_assert_int_eq(parse_fake(X("{'name':'t','adapter':'tradeonly',"
	    "'symbols':['A-B']}"), &cf, err, sizeof(err)), 0);
	ck_assert_uint_eq(cf.exchanges[0].types, TK_TYPE_BIT(TK_TICK_TRADE));
	ck_assert_str_eq(cf.exchanges[0].url, "wss://example.invalid/ws");
	tk_config_free(&cf);
}
END_TEST

/*
 * What a reload compares: an exchange that is equal keeps its connection,
 * so every field must count, and the symbol order too.
 */
START_TEST(test_exchange_conf_equal)
{
	static const char *const variants[] = {
		"{'name':'b','adapter':'binance','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:1/ws'}",
		"{'name':'b','adapter':'binance','symbols':['ETH-USDT','BTC-USDT'],'url':'ws://127.0.0.1:1/ws'}",
		"{'name':'b','adapter':'binance','symbols':['BTC-USDT'],'url':'ws://127.0.0.1:1/ws'}",
		"{'name':'b','adapter':'binance','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:2/ws'}",
		"{'name':'b','adapter':'binance','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:1/ws','channels':['trade']}",
		"{'name':'b','adapter':'binance','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:1/ws','stale_s':5}",
		"{'name':'b','adapter':'binance','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:1/ws','tls_verify':false}",
		"{'name':'b','adapter':'okx','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:1/ws'}",
		"{'name':'b','adapter':'okx','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:1/ws','rest_url':'http://127.0.0.1:2'}",
		"{'name':'c','adapter':'binance','symbols':['BTC-USDT','ETH-USDT'],'url':'ws://127.0.0.1:1/ws'}",
		"{'name':'b','adapter':'sim','symbols':['BTC-USDT','ETH-USDT']}",
		"{'name':'b','adapter':'sim','symbols':['BTC-USDT','ETH-USDT'],'rate':3}",
		"{'name':'b','adapter':'sim','symbols':['BTC-USDT','ETH-USDT'],'seed':3}",
		"{'name':'b','adapter':'nats','symbols':['BTC-USDT','ETH-USDT'],'servers':['nats://a:1'],'stream':'T'}",
		"{'name':'b','adapter':'nats','symbols':['BTC-USDT','ETH-USDT'],'servers':['nats://a:1','nats://b:1'],'stream':'T'}",
		"{'name':'b','adapter':'nats','symbols':['BTC-USDT','ETH-USDT'],'servers':['nats://a:1'],'stream':'U'}",
		"{'name':'b','adapter':'nats','symbols':['BTC-USDT','ETH-USDT'],'servers':['nats://a:1'],'stream':'T','subject':'md'}",
	};
	enum { N = sizeof(variants) / sizeof(variants[0]) };
	struct tk_config a[N], again;
	char json[1024];
	size_t i, j;

	for (i = 0; i < N; i++) {
		snprintf(json, sizeof(json), "{'listen':{'tcp':'127.0.0.1:1'},"
		    "'exchanges':[%s]}", variants[i]);
		parse_ok(json, &a[i]);
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			ck_assert_msg(tk_exchange_conf_equal(&a[i].exchanges[0],
			    &a[j].exchanges[0]) == (i == j), "%zu vs %zu", i, j);
	/* the same text loaded twice is equal (different allocations) */
	snprintf(json, sizeof(json), "{'listen':{'tcp':'127.0.0.1:1'},"
	    "'exchanges':[%s]}", variants[0]);
	parse_ok(json, &again);
	ck_assert(tk_exchange_conf_equal(&a[0].exchanges[0],
	    &again.exchanges[0]));
	tk_config_free(&again);
	for (i = 0; i < N; i++)
		tk_config_free(&a[i]);
}
END_TEST

START_TEST(test_config_free)
{
	struct tk_config cf;

	tk_config_free(NULL);
	parse_ok(X("{" SM "},{" BNS "}"), &cf);
	tk_config_free(&cf);
	ck_assert_ptr_null(cf.exchanges);
	ck_assert_uint_eq(cf.nexchanges, 0);
	ck_assert_ptr_null(cf.path);
	ck_assert_ptr_null(cf.listen_tcp);
	tk_config_free(&cf);
}
END_TEST

/* A failing load must not need @err, and cuts a long message safely. */
START_TEST(test_config_err_buffer)
{
	struct tk_config cf;
	char err[12];

	memset(err, 'z', sizeof(err));
	ck_assert_int_eq(parse(LX("{}"), &cf, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse(LX("{}"), &cf, err, 0), -EINVAL);
	ck_assert_int_eq(err[0], 'z');
	ck_assert_int_eq(parse(LX("{}"), &cf, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "t.json: lis");
	ck_assert_int_eq(tk_config_parse("{}", 2, "t.json", NULL, err,
	    sizeof(err)), -EINVAL);
}
END_TEST

/* Whatever the name holds, the message stays one line. */
START_TEST(test_config_one_line)
{
	char err[TK_CONFIG_ERR_MAX];
	struct tk_config cf;

	ck_assert_int_eq(tk_config_parse("{\"a\":\n1,}", 10, "a\nb\x7f.json",
	    &cf, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "a?b?.json:2:3: string or '}' expected near '}'");
}
END_TEST

/* Writes @text to a fresh temporary file; returns its malloc'd path. */
static char *
temp_file(const char *text)
{
	char *path = strdup("/tmp/check_config.XXXXXX");
	int fd;

	ck_assert(path != NULL);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_config_load_file)
{
	char err[TK_CONFIG_ERR_MAX], want[TK_CONFIG_ERR_MAX];
	struct tk_config cf;
	char *path, *text;

	text = dq("{\n  " L ",\n  'exchanges': [\n    {" SM "}\n  ]\n}\n");
	path = temp_file(text);
	free(text);
	ck_assert_int_eq(tk_config_load(path, &cf, err, sizeof(err)), 0);
	ck_assert_str_eq(cf.path, path);
	ck_assert_str_eq(cf.exchanges[0].name, "demo");
	tk_config_free(&cf);
	unlink(path);
	free(path);

	/* a syntax error deep in a real file: line and column */
	path = temp_file("{\n  \"listen\": {\"tcp\": \"127.0.0.1:8765\"},\n"
	    "  \"exchanges\": [\n    {\"name\": \"x\" \"adapter\": 1}\n  ]\n}\n");
	ck_assert_int_eq(tk_config_load(path, &cf, err, sizeof(err)),
	    -EINVAL);
	snprintf(want, sizeof(want), "%s:4:26: '}' expected near "
	    "'\"adapter\"'", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_config_unreadable)
{
	char err[TK_CONFIG_ERR_MAX];
	struct tk_config cf, before;

	memset(&cf, 0x5a, sizeof(cf));
	before = cf;
	ck_assert_int_eq(tk_config_load("/nonexistent/tickerd.json", &cf, err,
	    sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/tickerd.json: cannot read: "
	    "No such file or directory");
	ck_assert_int_eq(tk_config_load("/", &cf, err, sizeof(err)),
	    -EISDIR);
	ck_assert_str_eq(err, "/: cannot read: Is a directory");
	ck_assert_int_eq(tk_config_load(NULL, &cf, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "(null): cannot read: Invalid argument");
	ck_assert(memcmp(&cf, &before, sizeof(cf)) == 0);
}
END_TEST

/* Loads config/@name from the source tree (tests/fixtures/../../config). */
static void
load_shipped(const char *name, struct tk_config *cf)
{
	char path[1024], err[TK_CONFIG_ERR_MAX];
	const char *dir = getenv("TK_FIXTURES");

	ck_assert_msg(dir != NULL, "TK_FIXTURES is not set");
	snprintf(path, sizeof(path), "%s/../../config/%s", dir, name);
	ck_assert_msg(tk_config_load(path, cf, err, sizeof(err)) == 0, "%s",
	    err);
}

START_TEST(test_config_shipped_tickerd)
{
	const struct tk_adapter *const *all = tk_adapter_all();
	const struct tk_exchange_conf *e;
	struct tk_config cf;
	size_t network = 0;

	load_shipped("tickerd.json", &cf);
	ck_assert_str_eq(cf.listen_tcp, "127.0.0.1:8765");
	ck_assert_str_eq(cf.listen_unix, "/run/tickerd/tickerd.sock");
	/* every real exchange (six or more), each named after its adapter
	 * on its real endpoint; other entries (Binance USD-M's quotes, on
	 * another path) are on a real endpoint too */
	for (size_t i = 0; i < cf.nexchanges; i++) {
		e = &cf.exchanges[i];
		ck_assert_int_eq(e->insecure, 0);
		if (strcmp(e->name, e->adapter->name) == 0)
			ck_assert_str_eq(e->url, e->adapter->default_url);
		else
			ck_assert_msg(strncmp(e->url, "wss://", 6) == 0 &&
			    e->adapter->kind == TK_ADAPTER_NETWORK, "%s: %s",
			    e->name, e->url);
	}
	for (size_t i = 0; all[i] != NULL; i++) {
		if (all[i]->kind != TK_ADAPTER_NETWORK)
			continue;
		network++;
		e = tk_config_exchange(&cf, all[i]->name);
		ck_assert_msg(e != NULL, "%s is not in tickerd.json",
		    all[i]->name);
		ck_assert_ptr_eq(e->adapter, all[i]);
	}
	ck_assert_uint_ge(cf.nexchanges, network);
	ck_assert_uint_ge(network, 6);
	e = tk_config_exchange(&cf, "binance");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(e->adapter, tk_test_adapter("binance"));
	ck_assert_uint_eq(e->nsymbols, 3);
	ck_assert_str_eq(e->symbols[0], "BTC-USDT");
	ck_assert_str_eq(e->symbols[1], "ETH-USDT");
	ck_assert_str_eq(e->symbols[2], "SOL-USDT");
	ck_assert_int_eq(e->insecure, 0);
	ck_assert_uint_eq(cf.nwarnings, 0);
	tk_config_free(&cf);
}
END_TEST

START_TEST(test_config_shipped_sim)
{
	const struct tk_exchange_conf *a, *b;
	struct tk_config cf;

	load_shipped("sim.json", &cf);
	ck_assert_str_eq(cf.listen_tcp, "127.0.0.1:8765");
	ck_assert_ptr_null(cf.listen_unix);
	ck_assert_uint_eq(cf.nexchanges, 2);
	a = tk_config_exchange(&cf, "simex");
	b = tk_config_exchange(&cf, "simfast");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_eq(a->adapter, tk_test_adapter("sim"));
	ck_assert_ptr_eq(b->adapter, tk_test_adapter("sim"));
	ck_assert(a->rate == 5.0);
	ck_assert(b->rate == 20.0);
	ck_assert_uint_eq(a->types, TK_TYPES_ALL);
	ck_assert_uint_eq(b->types, TK_TYPES_FEED);
	ck_assert_uint_eq(a->nsymbols, 2);
	ck_assert_str_eq(a->symbols[0], "BTC-USD");
	ck_assert_str_eq(a->symbols[1], "ETH-USD");
	ck_assert_uint_eq(b->nsymbols, 2);
	ck_assert_str_eq(b->symbols[0], "BTC-USD");
	ck_assert_str_eq(b->symbols[1], "SOL-USD");
	tk_config_free(&cf);
}
END_TEST

/*
 * config/perps.json: derivatives only, each venue asked for the funding
 * it offers, and every network adapter with perpetuals among them.
 */
#define FUNDING	TK_TYPE_BIT(TK_TICK_FUNDING)
#define QUOTE	TK_TYPE_BIT(TK_TICK_QUOTE)
START_TEST(test_config_shipped_perps)
{
	const struct tk_adapter *const *all = tk_adapter_all();
	const struct tk_exchange_conf *e;
	struct tk_config cf;
	size_t i, j, venues = 0;

	load_shipped("perps.json", &cf);
	ck_assert_ptr_null(cf.listen_unix);
	for (i = 0; i < cf.nexchanges; i++) {
		e = &cf.exchanges[i];
		for (j = 0; j < e->nsymbols; j++)
			ck_assert_msg(tk_symbol_market(e->symbols[j]) !=
			    TK_MARKET_SPOT, "%s: %s", e->name, e->symbols[j]);
		/* but an entry for a venue's quotes alone, on another path */
		if ((e->adapter->types & FUNDING) && e->types != QUOTE)
			ck_assert_msg(e->types & FUNDING, "%s: no funding",
			    e->name);
	}
	for (i = 0; all[i] != NULL; i++) {
		if (!(all[i]->types & FUNDING) ||
		    all[i]->kind != TK_ADAPTER_NETWORK)
			continue;
		for (j = 0; j < cf.nexchanges; j++)
			if (cf.exchanges[j].adapter == all[i])
				break;
		ck_assert_msg(j < cf.nexchanges, "%s is not in perps.json",
		    all[i]->name);
		venues++;
	}
	ck_assert_uint_ge(venues, 4);
	tk_config_free(&cf);
}
END_TEST
#undef FUNDING
#undef QUOTE

/*
 * Replay entries, through the seam with a table that has the replay
 * adapter, whatever the shipped table holds.
 */
#define RP	"'name':'rp','adapter':'replay','symbols':['BTC-USDT']"
#define RPF	RP ",'file':'r.jsonl'"
#define A1000	A100 A100 A100 A100 A100 A100 A100 A100 A100 A100

static int
parse_replay(const char *json, const char *name, struct tk_config *cf,
    char *err, size_t errlen)
{
	const struct tk_adapter *replay_adapters[] = {
		tk_test_adapter("binance"), tk_test_adapter("sim"),
		tk_test_adapter("replay"), NULL,
	};
	char *text = dq(json);
	int r;

	r = tk__config_parse_with(replay_adapters, text, strlen(text), name,
	    cf, err, errlen);
	free(text);
	return r;
}

static const struct {
	const char	*json;
	const char	*msg;
} bad_replay[] = {
	{ X("{" RP "}"),
	    "t.json: exchanges[0]: missing required key \"file\"" },
	{ X("{" RP ",'file':5}"),
	    "t.json: exchanges[0].file: expected a file name, got 5" },
	{ X("{" RP ",'file':['r']}"),
	    "t.json: exchanges[0].file: expected a file name, got an array" },
	{ X("{" RP ",'file':''}"),
	    "t.json: exchanges[0].file: expected a file name, got \"\"" },
	{ X("{" RP ",'file':'a\\u0000b'}"),
	    "t.json:1:120: \\u0000 is not allowed without JSON_ALLOW_NUL "
	    "near '\"a\\u0000b\"'" },
	{ X("{" RP ",'file':'" A1000 A1000 A1000 A1000 A10 A10 A10 A10 A10
	    A10 A10 A10 A10 "aaaaaa'}"),
	    "t.json: exchanges[0].file: path is 4096 bytes, expected less "
	    "than 4096" },
	{ X("{" RPF ",'speed':-1}"),
	    "t.json: exchanges[0].speed: -1 is out of range (expected from "
	    "0 to 1000)" },
	{ X("{" RPF ",'speed':1000.5}"),
	    "t.json: exchanges[0].speed: 1000.5 is out of range (expected "
	    "from 0 to 1000)" },
	{ X("{" RPF ",'speed':'2'}"),
	    "t.json: exchanges[0].speed: expected a speed (1 = recorded "
	    "pace, 0 = no waiting), got a string" },
	{ X("{" RPF ",'speed':null}"),
	    "t.json: exchanges[0].speed: expected a speed (1 = recorded "
	    "pace, 0 = no waiting), got null" },
	{ X("{" RPF ",'loop':1}"),
	    "t.json: exchanges[0].loop: expected true or false, got 1" },
	{ X("{" RPF ",'url':'ws://127.0.0.1:9/'}"),
	    "t.json: exchanges[0].url: adapter \"replay\" does not connect "
	    "anywhere (remove \"url\")" },
	{ X("{" RPF ",'rate':5}"),
	    "t.json: exchanges[0].rate: only valid for adapter \"sim\"" },
	{ X("{" RP ",'fil':'r.jsonl'}"),
	    "t.json: exchanges[0].fil: unknown key (did you mean \"file\"?)" },
	{ X("{" RPF ",'speeds':2}"),
	    "t.json: exchanges[0].speeds: unknown key (did you mean "
	    "\"speed\"?)" },
	{ X("{'name':'r','adapter':'replai','symbols':['A-B']}"),
	    "t.json: exchanges[0].adapter: \"replai\" is not an adapter "
	    "(did you mean \"replay\"?)" },
	{ X("{'name':'r','adapter':'x','symbols':['A-B']}"),
	    "t.json: exchanges[0].adapter: \"x\" is not an adapter "
	    "(expected one of: binance, sim, replay)" },
};

START_TEST(test_config_replay_error)
{
	struct tk_config cf, before;
	char err[TK_CONFIG_ERR_MAX];

	memset(&cf, 0xa5, sizeof(cf));
	before = cf;
	ck_assert_int_eq(parse_replay(bad_replay[_i].json, "t.json", &cf, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, bad_replay[_i].msg);
	ck_assert(memcmp(&cf, &before, sizeof(cf)) == 0);
}
END_TEST

START_TEST(test_config_replay_defaults)
{
	char err[TK_CONFIG_ERR_MAX];
	const struct tk_exchange_conf *e;
	struct tk_config cf;

	ck_assert_msg(parse_replay(X("{" RPF "},{" BNS "},{" SM "}"),
	    "t.json", &cf, err, sizeof(err)) == 0, "%s", err);
	e = &cf.exchanges[0];
	ck_assert_ptr_eq(e->adapter, tk_test_adapter("replay"));
	ck_assert_str_eq(e->file, "r.jsonl");
	ck_assert(e->speed == 1.0);
	ck_assert_int_eq(e->loop, 0);
	ck_assert_ptr_null(e->url);
	ck_assert_uint_eq(e->types, TK_TYPES_ALL);
	ck_assert_uint_eq(e->nsymbols, 1);
	/* Other adapters get the same neutral values. */
	for (e = &cf.exchanges[1]; e < &cf.exchanges[3]; e++) {
		ck_assert_ptr_null(e->file);
		ck_assert(e->speed == 1.0);
		ck_assert_int_eq(e->loop, 0);
	}
	tk_config_free(&cf);
}
END_TEST

START_TEST(test_config_replay_every_key)
{
	static const struct {
		const char	*json;
		double		 speed;
		int		 loop;
	} cases[] = {
		{ X("{" RPF ",'speed':0,'loop':true}"), 0, 1 },
		{ X("{" RPF ",'speed':1000,'loop':false}"), 1000, 0 },
		{ X("{" RPF ",'speed':2.5,'channels':['quote']}"), 2.5, 0 },
		{ X("{" RPF ",'speed':0.001,'stale_s':5}"), 0.001, 0 },
	};
	char err[TK_CONFIG_ERR_MAX];
	struct tk_config cf;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(parse_replay(cases[i].json, "t.json", &cf, err,
		    sizeof(err)) == 0, "%s", err);
		ck_assert(cf.exchanges[0].speed == cases[i].speed);
		ck_assert_int_eq(cf.exchanges[0].loop, cases[i].loop);
		tk_config_free(&cf);
	}
}
END_TEST

/* Relative recordings are found next to the config file. */
static const struct {
	const char	*name;
	const char	*file;
	const char	*want;
} paths[] = {
	{ "t.json", "r.jsonl", "r.jsonl" },
	{ "conf/t.json", "r.jsonl", "conf/r.jsonl" },
	{ "/etc/tickerd/tickerd.json", "recordings/sample.jsonl",
	    "/etc/tickerd/recordings/sample.jsonl" },
	{ "/etc/tickerd/tickerd.json", "/var/lib/r.jsonl", "/var/lib/r.jsonl" },
	{ "/t.json", "r", "/r" },
	{ "./a/b.json", "../r", "./a/../r" },
	{ NULL, "r.jsonl", "r.jsonl" },
};

START_TEST(test_config_replay_paths)
{
	char err[TK_CONFIG_ERR_MAX], json[256];
	struct tk_config cf;

	snprintf(json, sizeof(json), X("{" RP ",'file':'%s'}"),
	    paths[_i].file);
	ck_assert_msg(parse_replay(json, paths[_i].name, &cf, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cf.exchanges[0].file, paths[_i].want);
	tk_config_free(&cf);
}
END_TEST

/* The longest path that fits, once joined to the config's directory. */
START_TEST(test_config_replay_path_limit)
{
	char err[TK_CONFIG_ERR_MAX], *json, file[4096];
	struct tk_config cf;
	size_t n;

	memset(file, 'a', sizeof(file));
	file[4095 - 5] = '\0';		/* + "conf/" = 4095 bytes */
	n = strlen(file) + 256;
	json = malloc(n);
	ck_assert_ptr_nonnull(json);
	snprintf(json, n, X("{" RP ",'file':'%s'}"), file);
	ck_assert_msg(parse_replay(json, "conf/t.json", &cf, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(strlen(cf.exchanges[0].file), 4095);
	tk_config_free(&cf);
	snprintf(json, n, X("{" RP ",'file':'a%s'}"), file);
	ck_assert_int_eq(parse_replay(json, "conf/t.json", &cf, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "conf/t.json: exchanges[0].file: path is 4096 "
	    "bytes, expected less than 4096");
	free(json);
}
END_TEST

/* Through the real table and a real file: resolved next to the file. */
START_TEST(test_config_replay_load)
{
	char err[TK_CONFIG_ERR_MAX];
	struct tk_config cf;
	char *path, *text;

	text = dq("{" L ",'exchanges':[{" RP ",'file':'rec/s.jsonl',"
	    "'speed':0,'loop':true}]}");
	path = temp_file(text);
	free(text);
	ck_assert_msg(tk_config_load(path, &cf, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_ptr_eq(cf.exchanges[0].adapter, tk_test_adapter("replay"));
	ck_assert_str_eq(cf.exchanges[0].file, "/tmp/rec/s.jsonl");
	ck_assert(cf.exchanges[0].speed == 0);
	ck_assert_int_eq(cf.exchanges[0].loop, 1);
	tk_config_free(&cf);
	unlink(path);
	free(path);
}
END_TEST

/* ---- listen.hosts ---- */

#define LH(h)	LX("{'tcp':'127.0.0.1:1','hosts':" h "}")
#define HERR(h, i, msg)	{ LH("[" h "]"), "t.json: listen.hosts[" #i "]: " msg }
#define HNOT(q)	"\"" q "\" is not a host name or an IP address (expected " \
	"like \"tickerd.example.org\", \"192.0.2.7\" or \"[2001:db8::7]\")"
#define A63	A10 A10 A10 A10 A10 A10 "aaa"

static const struct {
	const char	*json;
	const char	*msg;
} bad_hosts[] = {
	{ LH("'a.example'"), "t.json: listen.hosts: expected an array of "
	    "host names, got a string" },
	HERR("5", 0, "expected a host name like \"tickerd.example.org\", "
	    "got 5"),
	HERR("''", 0, "empty host name"),
	HERR("'a b.example'", 0, "\"a b.example\" contains a space or a "
	    "control character"),
	HERR("'a\\tb'", 0, "\"a\\x09b\" contains a space or a control "
	    "character"),
	HERR("'a.example:8765'", 0, "\"a.example:8765\": a host name goes "
	    "without \":PORT\""),
	HERR("'192.0.2.7:80'", 0, "\"192.0.2.7:80\": a host name goes "
	    "without \":PORT\""),
	HERR("'[::1]:8765'", 0, "\"[::1]:8765\": a host name goes without "
	    "\":PORT\""),
	HERR("'" A63 "." A63 "." A63 "." A63 "'", 0, "\"" A10 A10 A10 A10
	    "\"... is 255 bytes, longer than the 253 of a host name"),
	HERR("'" A63 "a.example'", 0, "\"" A10 A10 A10 A10 "\"... is not a "
	    "host name or an IP address (expected like "
	    "\"tickerd.example.org\", \"192.0.2.7\" or \"[2001:db8::7]\")"),
	HERR("'-a.example'", 0, HNOT("-a.example")),
	HERR("'a-.example'", 0, HNOT("a-.example")),
	HERR("'a..example'", 0, HNOT("a..example")),
	HERR("'a.example.'", 0, HNOT("a.example.")),
	HERR("'.example'", 0, HNOT(".example")),
	HERR("'*.example'", 0, HNOT("*.example")),
	HERR("'a_b.example'", 0, HNOT("a_b.example")),
	HERR("'b\u00fccher.example'", 0, HNOT("b\xc3\xbc" "cher.example")),
	HERR("'10.1'", 0, HNOT("10.1")),
	HERR("'192.0.2.256'", 0, HNOT("192.0.2.256")),
	HERR("'[192.0.2.7]'", 0, HNOT("[192.0.2.7]")),
	HERR("'[a.example]'", 0, HNOT("[a.example]")),
	HERR("'::g'", 0, HNOT("::g")),
	HERR("'[::1'", 0, HNOT("[::1")),
	HERR("'a.example','A.Example'", 1, "\"A.Example\" is already "
	    "listed as listen.hosts[0]"),
	HERR("'::1','[0:0::1]'", 1, "\"[0:0::1]\" is already listed as "
	    "listen.hosts[0]"),
};

START_TEST(test_config_hosts_bad)
{
	struct tk_config cf, before;
	char err[TK_CONFIG_ERR_MAX];

	memset(&cf, 0xa5, sizeof(cf));
	before = cf;
	ck_assert_int_eq(parse(bad_hosts[_i].json, &cf, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, bad_hosts[_i].msg);
	ck_assert(memcmp(&cf, &before, sizeof(cf)) == 0);
}
END_TEST

/* Stored as a Host header carries them: lower case, IPv6 in brackets. */
START_TEST(test_config_hosts_good)
{
	static const char *const want[] = { "tickerd.example.org",
		"192.0.2.7", "[2001:db8::7]", "[2001:db8::8]", "localhost",
		"xn--bcher-kva.example", "a-b.c", "x1", A63 ".b",
		A63 "." A63 "." A63 "." A10 A10 A10 A10 A10 A10 "a" };
	struct tk_config cf;
	size_t i;

	parse_ok(LH("['Tickerd.Example.ORG','192.0.2.7','[2001:DB8::7]',"
	    "'2001:db8:0:0::8','localhost','xn--bcher-kva.example','a-b.c',"
	    "'x1','" A63 ".b','" A63 "." A63 "." A63 "." A10 A10 A10 A10 A10
	    A10 "a']"), &cf);
	ck_assert_uint_eq(cf.nlisten_hosts, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < cf.nlisten_hosts; i++)
		ck_assert_str_eq(cf.listen_hosts[i], want[i]);
	ck_assert_uint_eq(cf.nwarnings, 0);
	tk_config_free(&cf);
	parse_ok(LH("[]"), &cf);
	ck_assert_uint_eq(cf.nlisten_hosts, 0);
	tk_config_free(&cf);
	parse_ok(X("{" SM "}"), &cf);
	ck_assert_ptr_null(cf.listen_hosts);
	ck_assert_uint_eq(cf.nlisten_hosts, 0);
	tk_config_free(&cf);
}
END_TEST

/* ---- warnings ---- */

#define BU(u)	BNS ",'url':'" u "'"
#define NOTENC(i, u, h)	"exchanges[" #i "].url: \"" u "\" is not " \
	"encrypted: what " h " sends can be read and changed on the way " \
	"(use wss://)"
#define NOTLS(i, h)	"exchanges[" #i "].tls_verify: false: TLS " \
	"certificates of " h " are not verified"

static const struct {
	const char	*json;
	const char	*want[2];	/* NULL-padded */
} warn_cases[] = {
	/* loopback: a local test server, nothing to say */
	{ X("{" BU("ws://127.0.0.1:9000/ws") "}"), { NULL } },
	{ X("{" BU("ws://127.8.9.10/") "}"), { NULL } },
	{ X("{" BU("ws://localhost/ws") "}"), { NULL } },
	{ X("{" BU("ws://LocalHost:1") "}"), { NULL } },
	{ X("{" BU("ws://[::1]:1/x") "}"), { NULL } },
	{ X("{" BU("ws://[::ffff:127.0.0.1]:1/x") "}"), { NULL } },
	{ X("{" BU("ws://127.0.0.1:1") ",'tls_verify':false}"), { NULL } },
	{ X("{" BU("wss://stream.binance.com:9443/ws") "}"), { NULL } },
	{ X("{" SM ",'tls_verify':false}"), { NULL } },
	/* not loopback */
	{ X("{" BU("ws://example.com:8080/ws") "}"),
	  { NOTENC(0, "ws://example.com:8080/ws", "example.com") } },
	{ X("{" BU("ws://Example.COM?x=1") "}"),
	  { NOTENC(0, "ws://Example.COM?x=1", "example.com") } },
	{ X("{" BU("ws://user:pw@10.0.0.1:1/x") "}"),
	  { NOTENC(0, "ws://user:pw@10.0.0.1:1/x", "10.0.0.1") } },
	{ X("{" BU("ws://[2001:db8::1]:1/") "}"),
	  { NOTENC(0, "ws://[2001:db8::1]:1/", "[2001:db8::1]") } },
	{ X("{" BU("ws://localhost.evil.example/") "}"),
	  { NOTENC(0, "ws://localhost.evil.example/",
	    "localhost.evil.example") } },
	{ X("{" BU("ws://127.0.0.1.evil.example/") "}"),
	  { NOTENC(0, "ws://127.0.0.1.evil.example/",
	    "127.0.0.1.evil.example") } },
	{ X("{" BU("ws://0.0.0.0:1/") "}"),
	  { NOTENC(0, "ws://0.0.0.0:1/", "0.0.0.0") } },
	/* no TLS to verify: the plain-text warning says it all */
	{ X("{" BU("ws://192.0.2.1/") ",'tls_verify':false}"),
	  { NOTENC(0, "ws://192.0.2.1/", "192.0.2.1") } },
	/* certificates */
	{ X("{" BNS ",'tls_verify':false}"),
	  { NOTLS(0, "stream.binance.com") } },
	{ X("{" BU("wss://127.0.0.1:4443/ws") ",'tls_verify':false}"),
	  { NOTLS(0, "127.0.0.1") } },
	{ X("{" SM "},{" BU("wss://[::1]:1/") ",'tls_verify':false}"),
	  { NOTLS(1, "[::1]") } },
	/* REST in plain text to a remote host */
	{ X("{'name':'o','adapter':'okx','symbols':['BTC-USDT'],"
	    "'rest_url':'http://www.okx.com'}"),
	  { "exchanges[0].rest_url: \"http://www.okx.com\" is not "
	    "encrypted: what www.okx.com answers can be read and changed on "
	    "the way (use https://)" } },
	/* NATS has no TLS in tickerd: the first server off loopback */
	{ X("{" HUB "," SRV ",'stream':'T'}"), { NULL } },
	{ X("{" HUB ",'servers':['nats://127.0.0.1:1','nats://[::1]:2',"
	    "'nats://Hub.example:4222','nats://10.0.0.2:4222'],'stream':'T'}"),
	  { "exchanges[0].servers[2]: \"nats://Hub.example:4222\" is not "
	    "encrypted: what crosses hub.example can be read and changed on "
	    "the way (tickerd has no TLS for NATS: keep its servers on a "
	    "network you trust)" } },
	{ PUB("{'nats':{" SRV ",'stream':'T'}}"), { NULL } },
	{ PUB("{'nats':{'servers':['nats://192.0.2.7:4222'],'stream':'T'}}"),
	  { "publish.nats.servers[0]: \"nats://192.0.2.7:4222\" is not "
	    "encrypted: what crosses 192.0.2.7 can be read and changed on "
	    "the way (tickerd has no TLS for NATS: keep its servers on a "
	    "network you trust)" } },
	/* each exchange, in order */
	{ X("{" BNS ",'tls_verify':false},{'name':'b2','adapter':'binance',"
	    "'symbols':['BTC-USDT'],'url':'ws://a.example/'}"),
	  { NOTLS(0, "stream.binance.com"),
	    NOTENC(1, "ws://a.example/", "a.example") } },
};

START_TEST(test_config_warnings)
{
	struct tk_config cf;
	size_t n = 0, i;

	while (n < 2 && warn_cases[_i].want[n] != NULL)
		n++;
	parse_ok(warn_cases[_i].json, &cf);
	ck_assert_uint_eq(cf.nwarnings, n);
	if (n == 0)
		ck_assert_ptr_null(cf.warnings);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(cf.warnings[i], warn_cases[_i].want[i]);
	tk_config_free(&cf);
	ck_assert_ptr_null(cf.warnings);
	ck_assert_uint_eq(cf.nwarnings, 0);
}
END_TEST

/* Scaling out: "publish": {"nats": ...} and adapter "nats". */

START_TEST(test_config_nats_publish_defaults)
{
	const struct tk_nats_publish_conf *p;
	struct tk_config cf;

	parse_ok(PUB("{'nats':{" SRV ",'stream':'TICKS'}}"), &cf);
	p = cf.publish_nats;
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nservers, 1);
	ck_assert_str_eq(p->servers[0], "nats://127.0.0.1:4222");
	ck_assert_str_eq(p->stream, "TICKS");
	ck_assert_str_eq(p->subject, "ticks");
	ck_assert_uint_eq(p->replicas, 1);
	ck_assert_int_eq(p->storage, TK_NATS_FILE);
	ck_assert_uint_eq(p->max_age_s, 3600);
	ck_assert_uint_eq(p->duplicate_window_s, 30);
	ck_assert_uint_eq(p->max_pending, 65536);
	ck_assert_ptr_null(cf.exchanges[0].nats);
	tk_config_free(&cf);
	ck_assert_ptr_null(cf.publish_nats);
	/* without publish, or with nothing in it: nothing */
	parse_ok(X("{" SM "}"), &cf);
	ck_assert_ptr_null(cf.publish_nats);
	tk_config_free(&cf);
	parse_ok(PUB("{}"), &cf);
	ck_assert_ptr_null(cf.publish_nats);
	tk_config_free(&cf);
}
END_TEST

START_TEST(test_config_nats_publish_every_key)
{
	const struct tk_nats_publish_conf *p;
	struct tk_config cf;

	parse_ok(PUB("{'nats':{'servers':['nats://a:1','nats://b:2',"
	    "'nats://c'],'stream':'T-1','subject':'md.t','replicas':3,"
	    "'storage':'memory','max_age_s':60,'duplicate_window_s':60,'max_pending':16}}"), &cf);
	p = cf.publish_nats;
	ck_assert_uint_eq(p->nservers, 3);
	ck_assert_str_eq(p->servers[2], "nats://c");
	ck_assert_str_eq(p->stream, "T-1");
	ck_assert_str_eq(p->subject, "md.t");
	ck_assert_uint_eq(p->replicas, 3);
	ck_assert_int_eq(p->storage, TK_NATS_MEMORY);
	ck_assert_uint_eq(p->max_age_s, 60);
	ck_assert_uint_eq(p->duplicate_window_s, 60);
	ck_assert_uint_eq(p->max_pending, 16);
	tk_config_free(&cf);
}
END_TEST

START_TEST(test_config_nats_source)
{
	const struct tk_nats_source_conf *s;
	struct tk_config cf;

	parse_ok(EDGE(SRV ",'stream':'TICKS'"), &cf);
	ck_assert_ptr_eq(cf.exchanges[0].adapter, tk_test_adapter("nats"));
	ck_assert_ptr_null(cf.exchanges[0].url);
	ck_assert_uint_eq(cf.exchanges[0].types, TK_TYPES_ALL);
	s = cf.exchanges[0].nats;
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->stream, "TICKS");
	ck_assert_str_eq(s->subject, "ticks");
	ck_assert_uint_eq(s->nservers, 1);
	ck_assert_str_eq(s->servers[0], "nats://127.0.0.1:4222");
	tk_config_free(&cf);
}
END_TEST


/* An edge may publish to another stream, or to the same one elsewhere. */
START_TEST(test_config_nats_tiers)
{
	struct tk_config cf;

	parse_ok("{" L ",'exchanges':[{" HUB "," SRV ",'stream':'TICKS'}],"
	    "'publish':{'nats':{" SRV ",'stream':'TICKS2'}}}", &cf);
	tk_config_free(&cf);
	parse_ok("{" L ",'exchanges':[{" HUB "," SRV ",'stream':'TICKS'}],"
	    "'publish':{'nats':{'servers':['nats://other:4222'],"
	    "'stream':'TICKS'}}}", &cf);
	tk_config_free(&cf);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_config_error, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_config_adapter_list);
	tcase_add_test(tc, test_config_channel_unsupported);
	tcase_add_test(tc, test_config_err_buffer);
	tcase_add_test(tc, test_config_one_line);
	tcase_add_test(tc, test_config_unreadable);
	suite_add_tcase(s, tc);

	tc = tcase_create("replay");
	tcase_add_loop_test(tc, test_config_replay_error, 0,
	    (int)(sizeof(bad_replay) / sizeof(bad_replay[0])));
	tcase_add_test(tc, test_config_replay_defaults);
	tcase_add_test(tc, test_config_replay_every_key);
	tcase_add_loop_test(tc, test_config_replay_paths, 0,
	    (int)(sizeof(paths) / sizeof(paths[0])));
	tcase_add_test(tc, test_config_replay_path_limit);
	tcase_add_test(tc, test_config_replay_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_config_good, 0,
	    (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_test(tc, test_config_defaults_binance);
	tcase_add_test(tc, test_config_defaults_sim);
	tcase_add_test(tc, test_config_rest_url);
	tcase_add_test(tc, test_config_every_key);
	tcase_add_test(tc, test_config_free);
	tcase_add_test(tc, test_exchange_conf_equal);
	tcase_add_test(tc, test_config_load_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("hosts and warnings");
	tcase_add_loop_test(tc, test_config_hosts_bad, 0,
	    (int)(sizeof(bad_hosts) / sizeof(bad_hosts[0])));
	tcase_add_test(tc, test_config_hosts_good);
	tcase_add_loop_test(tc, test_config_warnings, 0,
	    (int)(sizeof(warn_cases) / sizeof(warn_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("nats");
	tcase_add_test(tc, test_config_nats_publish_defaults);
	tcase_add_test(tc, test_config_nats_publish_every_key);
	tcase_add_test(tc, test_config_nats_source);
	tcase_add_test(tc, test_config_nats_tiers);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped");
	tcase_add_test(tc, test_config_shipped_tickerd);
	tcase_add_test(tc, test_config_shipped_sim);
	tcase_add_test(tc, test_config_shipped_perps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
