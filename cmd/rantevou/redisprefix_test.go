package main

import "testing"

// TestMainRedisPrefix: a Main's Redis keys are its bot's (redis.Prefix),
// the same for every replica of one bot, another for another bot.
func TestMainRedisPrefix(t *testing.T) {
	a := NewMain(Config{TelegramToken: "111:aaa"}, nil)
	b := NewMain(Config{TelegramToken: "111:aaa"}, nil)
	other := NewMain(Config{TelegramToken: "222:bbb"}, nil)
	if a.RedisPrefix != "rantevou:111" || b.RedisPrefix != a.RedisPrefix || other.RedisPrefix != "rantevou:222" {
		t.Errorf("prefixes %q, %q (one bot) and %q (another)", a.RedisPrefix, b.RedisPrefix, other.RedisPrefix)
	}
}
