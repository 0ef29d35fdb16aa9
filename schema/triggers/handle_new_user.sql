-- Every auth.users row gets a CRM profile. The CRM is invite-only: the profile is an
-- inactive seller until an admin activates it.
create function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into public.users (id, name, email, phone, role, is_active)
    values (
        new.id,
        coalesce(
            nullif(btrim(new.raw_user_meta_data ->> 'name'), ''),
            nullif(btrim(new.email), ''),
            nullif(btrim(new.phone), ''),
            new.id::text
        ),
        nullif(btrim(new.email), ''),
        nullif(btrim(new.phone), ''),
        'seller',
        false
    );
    return new;
end
$$;

comment on function public.handle_new_user() is
'Trigger on auth.users insert: creates the public.users profile (inactive seller; '
'name from raw_user_meta_data.name, else the email, else the phone, else the id).';

revoke execute on function public.handle_new_user()
from public, anon, authenticated, service_role;

create trigger on_auth_user_created
after insert on auth.users
for each row execute function public.handle_new_user();

-- Email changes in auth.users (confirmed by Supabase Auth) are copied to the profile.
create function public.handle_user_email_change()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    update public.users
    set email = nullif(btrim(new.email), '')
    where id = new.id
        and email is distinct from nullif(btrim(new.email), '');
    return new;
end
$$;

comment on function public.handle_user_email_change() is
'Trigger on auth.users email update: copies the new email to public.users.';

revoke execute on function public.handle_user_email_change()
from public, anon, authenticated, service_role;

create trigger on_auth_user_email_changed
after update of email on auth.users
for each row
when (old.email is distinct from new.email)
execute function public.handle_user_email_change();
