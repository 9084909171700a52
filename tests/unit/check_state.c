/* SPDX-License-Identifier: MIT */
/* Exchange states: names as the wire spells them, and back; statuses. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/state.h>

#include "tk_check.h"

static const struct {
	enum tk_state	 state;
	const char	*name;
} names[] = {
	{ TK_STATE_CONNECTED, "connected" },
	{ TK_STATE_RECONNECTING, "reconnecting" },
	{ TK_STATE_STALE, "stale" },
	{ TK_STATE_DOWN, "down" },
};

START_TEST(test_state_name_and_parse)
{
	enum tk_state st = TK_STATE_MAX;

	ck_assert_str_eq(tk_state_name(names[_i].state), names[_i].name);
	ck_assert_int_eq(tk_state_parse(names[_i].name, &st), 0);
	ck_assert_int_eq(st, names[_i].state);
}
END_TEST

START_TEST(test_state_every_value_is_named)
{
	unsigned i;

	ck_assert_uint_eq(sizeof(names) / sizeof(names[0]), TK_STATE_MAX);
	for (i = 0; i < TK_STATE_MAX; i++)
		ck_assert_ptr_nonnull(tk_state_name((enum tk_state)i));
}
END_TEST

START_TEST(test_state_name_out_of_range)
{
	ck_assert_ptr_null(tk_state_name(TK_STATE_MAX));
	ck_assert_ptr_null(tk_state_name((enum tk_state)-1));
}
END_TEST

/* Bad input leaves the output alone. */
START_TEST(test_state_parse_rejects)
{
	static const char *const bad[] = {
		"", "Connected", "CONNECTED", "connected ", " down", "up",
		"stopped", "reconnect", "downs",
	};
	enum tk_state st = TK_STATE_STALE;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(tk_state_parse(bad[i], &st), -EINVAL);
		ck_assert_int_eq(st, TK_STATE_STALE);
	}
	ck_assert_int_eq(tk_state_parse(NULL, &st), -EINVAL);
	ck_assert_int_eq(st, TK_STATE_STALE);
}
END_TEST

START_TEST(test_status_format)
{
	char buf[2048], detail[400];
	int n;

	n = tk_status_format("binance", TK_STATE_RECONNECTING,
	    "closed: \"1006\"\n", buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"type\":\"status\",\"exchange\":\"binance\","
	    "\"state\":\"reconnecting\",\"detail\":\"closed: "
	    "\\\"1006\\\"\\n\"}");
	ck_assert_int_eq(n, (int)strlen(buf));
	n = tk_status_format("okx", TK_STATE_CONNECTED, NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"type\":\"status\",\"exchange\":\"okx\","
	    "\"state\":\"connected\",\"detail\":\"\"}");
	/* a long detail is cut */
	memset(detail, 'd', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	n = tk_status_format("b", TK_STATE_DOWN, detail, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen("{\"type\":\"status\",\"exchange\":"
	    "\"b\",\"state\":\"down\",\"detail\":\"\"}") +
	    TK_STATUS_DETAIL_MAX);
	ck_assert_int_eq(tk_status_format("b", TK_STATE_DOWN, "", buf, 20),
	    -ENOSPC);
	ck_assert_int_eq(tk_status_format("b", TK_STATE_MAX, "", buf,
	    sizeof(buf)), -EINVAL);
}
END_TEST

static Suite *
state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_state_name_and_parse, 0,
	    sizeof(names) / sizeof(names[0]));
	tcase_add_test(tc, test_state_every_value_is_named);
	tcase_add_test(tc, test_state_name_out_of_range);
	tcase_add_test(tc, test_state_parse_rejects);
	tcase_add_test(tc, test_status_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
