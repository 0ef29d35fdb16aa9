create trigger webhook_events_fan_out
after insert on public.webhook_events
for each row
execute function private.fan_out_webhook_event();
