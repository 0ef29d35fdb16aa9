create schema excludedschema;

create table excludedschema.t(id uuid, value text);

create schema schema1;

create table schema1.t(id uuid, value text);

create schema schema2;

create table schema2.t(id uuid, value text);
