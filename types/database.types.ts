export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      api_keys: {
        Row: {
          created_at: string
          expires_at: string | null
          id: string
          key_prefix: string
          last_used_at: string | null
          name: string
          owner_id: string
          revoked_at: string | null
          scopes: string[]
          updated_at: string
        }
        Insert: {
          created_at?: string
          expires_at?: string | null
          id?: string
          key_prefix: string
          last_used_at?: string | null
          name: string
          owner_id?: string
          revoked_at?: string | null
          scopes: string[]
          updated_at?: string
        }
        Update: {
          created_at?: string
          expires_at?: string | null
          id?: string
          key_prefix?: string
          last_used_at?: string | null
          name?: string
          owner_id?: string
          revoked_at?: string | null
          scopes?: string[]
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "api_keys_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      audit_log: {
        Row: {
          action: Database["public"]["Enums"]["audit_log_action"]
          actor_id: string | null
          actor_role: string | null
          changed_fields: string[] | null
          claimed_role: string | null
          id: number
          new_data: Json | null
          occurred_at: string
          old_data: Json | null
          record_id: string | null
          table_name: string
        }
        Insert: {
          action: Database["public"]["Enums"]["audit_log_action"]
          actor_id?: string | null
          actor_role?: string | null
          changed_fields?: string[] | null
          claimed_role?: string | null
          id?: never
          new_data?: Json | null
          occurred_at?: string
          old_data?: Json | null
          record_id?: string | null
          table_name: string
        }
        Update: {
          action?: Database["public"]["Enums"]["audit_log_action"]
          actor_id?: string | null
          actor_role?: string | null
          changed_fields?: string[] | null
          claimed_role?: string | null
          id?: never
          new_data?: Json | null
          occurred_at?: string
          old_data?: Json | null
          record_id?: string | null
          table_name?: string
        }
        Relationships: []
      }
      contacts: {
        Row: {
          birthday: string | null
          created_at: string
          custom_fields: Json
          deleted_at: string | null
          emails: Json
          id: string
          job_title: string | null
          name: string
          owner_id: string | null
          phones: Json
          rd_id: string | null
          updated_at: string
        }
        Insert: {
          birthday?: string | null
          created_at?: string
          custom_fields?: Json
          deleted_at?: string | null
          emails?: Json
          id?: string
          job_title?: string | null
          name: string
          owner_id?: string | null
          phones?: Json
          rd_id?: string | null
          updated_at?: string
        }
        Update: {
          birthday?: string | null
          created_at?: string
          custom_fields?: Json
          deleted_at?: string | null
          emails?: Json
          id?: string
          job_title?: string | null
          name?: string
          owner_id?: string | null
          phones?: Json
          rd_id?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "contacts_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      deal_products: {
        Row: {
          created_at: string
          deal_id: string
          discount: number
          discount_type: Database["public"]["Enums"]["deal_products_discount_type"]
          id: string
          product_id: string
          quantity: number
          total: number | null
          unit_price: number
          updated_at: string
        }
        Insert: {
          created_at?: string
          deal_id: string
          discount?: number
          discount_type?: Database["public"]["Enums"]["deal_products_discount_type"]
          id?: string
          product_id: string
          quantity?: number
          total?: never
          unit_price: number
          updated_at?: string
        }
        Update: {
          created_at?: string
          deal_id?: string
          discount?: number
          discount_type?: Database["public"]["Enums"]["deal_products_discount_type"]
          id?: string
          product_id?: string
          quantity?: number
          total?: never
          unit_price?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "deal_products_deal_id_fkey"
            columns: ["deal_id"]
            isOneToOne: false
            referencedRelation: "deals"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deal_products_deal_id_fkey"
            columns: ["deal_id"]
            isOneToOne: false
            referencedRelation: "rotten_deals"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deal_products_product_id_fkey"
            columns: ["product_id"]
            isOneToOne: false
            referencedRelation: "products"
            referencedColumns: ["id"]
          },
        ]
      }
      deal_stage_history: {
        Row: {
          changed_at: string
          changed_by: string | null
          deal_id: string
          from_stage_id: string | null
          id: number
          time_in_stage: unknown | null
          to_stage_id: string
        }
        Insert: {
          changed_at?: string
          changed_by?: string | null
          deal_id: string
          from_stage_id?: string | null
          id?: never
          time_in_stage?: unknown | null
          to_stage_id: string
        }
        Update: {
          changed_at?: string
          changed_by?: string | null
          deal_id?: string
          from_stage_id?: string | null
          id?: never
          time_in_stage?: unknown | null
          to_stage_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "deal_stage_history_deal_id_fkey"
            columns: ["deal_id"]
            isOneToOne: false
            referencedRelation: "deals"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deal_stage_history_deal_id_fkey"
            columns: ["deal_id"]
            isOneToOne: false
            referencedRelation: "rotten_deals"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deal_stage_history_from_stage_id_fkey"
            columns: ["from_stage_id"]
            isOneToOne: false
            referencedRelation: "stages"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deal_stage_history_to_stage_id_fkey"
            columns: ["to_stage_id"]
            isOneToOne: false
            referencedRelation: "stages"
            referencedColumns: ["id"]
          },
        ]
      }
      deals: {
        Row: {
          ai_insights: Json | null
          closed_at: string | null
          contact_ids: string[]
          created_at: string
          custom_fields: Json
          deleted_at: string | null
          expected_close_date: string | null
          id: string
          loss_note: string | null
          loss_reason_id: string | null
          organization_id: string | null
          owner_id: string
          pipeline_id: string
          probability: number | null
          rd_id: string | null
          source_id: string | null
          stage_entered_at: string
          stage_id: string
          status: Database["public"]["Enums"]["deals_status"]
          title: string
          updated_at: string
          value: number
        }
        Insert: {
          ai_insights?: Json | null
          closed_at?: string | null
          contact_ids?: string[]
          created_at?: string
          custom_fields?: Json
          deleted_at?: string | null
          expected_close_date?: string | null
          id?: string
          loss_note?: string | null
          loss_reason_id?: string | null
          organization_id?: string | null
          owner_id?: string
          pipeline_id: string
          probability?: number | null
          rd_id?: string | null
          source_id?: string | null
          stage_entered_at?: string
          stage_id: string
          status?: Database["public"]["Enums"]["deals_status"]
          title: string
          updated_at?: string
          value?: number
        }
        Update: {
          ai_insights?: Json | null
          closed_at?: string | null
          contact_ids?: string[]
          created_at?: string
          custom_fields?: Json
          deleted_at?: string | null
          expected_close_date?: string | null
          id?: string
          loss_note?: string | null
          loss_reason_id?: string | null
          organization_id?: string | null
          owner_id?: string
          pipeline_id?: string
          probability?: number | null
          rd_id?: string | null
          source_id?: string | null
          stage_entered_at?: string
          stage_id?: string
          status?: Database["public"]["Enums"]["deals_status"]
          title?: string
          updated_at?: string
          value?: number
        }
        Relationships: [
          {
            foreignKeyName: "deals_loss_reason_id_fkey"
            columns: ["loss_reason_id"]
            isOneToOne: false
            referencedRelation: "loss_reasons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deals_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deals_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deals_source_id_fkey"
            columns: ["source_id"]
            isOneToOne: false
            referencedRelation: "sources"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deals_stage_in_pipeline_fkey"
            columns: ["stage_id", "pipeline_id"]
            isOneToOne: false
            referencedRelation: "stages"
            referencedColumns: ["id", "pipeline_id"]
          },
        ]
      }
      loss_reasons: {
        Row: {
          created_at: string
          display_order: number
          id: string
          is_active: boolean
          name: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          name: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          name?: string
          updated_at?: string
        }
        Relationships: []
      }
      organization_contacts: {
        Row: {
          contact_id: string
          created_at: string
          is_primary: boolean
          organization_id: string
          role: string | null
          updated_at: string
        }
        Insert: {
          contact_id: string
          created_at?: string
          is_primary?: boolean
          organization_id: string
          role?: string | null
          updated_at?: string
        }
        Update: {
          contact_id?: string
          created_at?: string
          is_primary?: boolean
          organization_id?: string
          role?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "organization_contacts_contact_id_fkey"
            columns: ["contact_id"]
            isOneToOne: false
            referencedRelation: "contacts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "organization_contacts_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      organizations: {
        Row: {
          address: Json | null
          cnpj: string | null
          created_at: string
          custom_fields: Json
          deleted_at: string | null
          emails: Json
          id: string
          legal_name: string | null
          name: string
          owner_id: string | null
          phones: Json
          rd_id: string | null
          segment: string | null
          source_id: string | null
          total_revenue: number
          updated_at: string
          website: string | null
          won_deals_count: number
        }
        Insert: {
          address?: Json | null
          cnpj?: string | null
          created_at?: string
          custom_fields?: Json
          deleted_at?: string | null
          emails?: Json
          id?: string
          legal_name?: string | null
          name: string
          owner_id?: string | null
          phones?: Json
          rd_id?: string | null
          segment?: string | null
          source_id?: string | null
          total_revenue?: number
          updated_at?: string
          website?: string | null
          won_deals_count?: number
        }
        Update: {
          address?: Json | null
          cnpj?: string | null
          created_at?: string
          custom_fields?: Json
          deleted_at?: string | null
          emails?: Json
          id?: string
          legal_name?: string | null
          name?: string
          owner_id?: string | null
          phones?: Json
          rd_id?: string | null
          segment?: string | null
          source_id?: string | null
          total_revenue?: number
          updated_at?: string
          website?: string | null
          won_deals_count?: number
        }
        Relationships: [
          {
            foreignKeyName: "organizations_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "organizations_source_id_fkey"
            columns: ["source_id"]
            isOneToOne: false
            referencedRelation: "sources"
            referencedColumns: ["id"]
          },
        ]
      }
      pipelines: {
        Row: {
          created_at: string
          display_order: number
          id: string
          is_active: boolean
          is_default: boolean
          name: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          is_default?: boolean
          name: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          is_default?: boolean
          name?: string
          updated_at?: string
        }
        Relationships: []
      }
      products: {
        Row: {
          base_price: number
          created_at: string
          custom_fields: Json
          description: string | null
          id: string
          is_active: boolean
          name: string
          rd_id: string | null
          sku: string | null
          updated_at: string
        }
        Insert: {
          base_price?: number
          created_at?: string
          custom_fields?: Json
          description?: string | null
          id?: string
          is_active?: boolean
          name: string
          rd_id?: string | null
          sku?: string | null
          updated_at?: string
        }
        Update: {
          base_price?: number
          created_at?: string
          custom_fields?: Json
          description?: string | null
          id?: string
          is_active?: boolean
          name?: string
          rd_id?: string | null
          sku?: string | null
          updated_at?: string
        }
        Relationships: []
      }
      sources: {
        Row: {
          created_at: string
          display_order: number
          id: string
          is_active: boolean
          name: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          name: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          name?: string
          updated_at?: string
        }
        Relationships: []
      }
      stages: {
        Row: {
          created_at: string
          display_order: number
          id: string
          is_active: boolean
          name: string
          pipeline_id: string
          probability: number
          rotten_days: number | null
          updated_at: string
        }
        Insert: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          name: string
          pipeline_id: string
          probability?: number
          rotten_days?: number | null
          updated_at?: string
        }
        Update: {
          created_at?: string
          display_order?: number
          id?: string
          is_active?: boolean
          name?: string
          pipeline_id?: string
          probability?: number
          rotten_days?: number | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "stages_pipeline_id_fkey"
            columns: ["pipeline_id"]
            isOneToOne: false
            referencedRelation: "pipelines"
            referencedColumns: ["id"]
          },
        ]
      }
      tasks: {
        Row: {
          completed_at: string | null
          contact_id: string | null
          created_at: string
          created_by: string
          custom_fields: Json
          deal_id: string | null
          due_at: string | null
          id: string
          notes: string | null
          organization_id: string | null
          owner_id: string
          rd_id: string | null
          subject: string
          type: Database["public"]["Enums"]["tasks_type"]
          updated_at: string
        }
        Insert: {
          completed_at?: string | null
          contact_id?: string | null
          created_at?: string
          created_by?: string
          custom_fields?: Json
          deal_id?: string | null
          due_at?: string | null
          id?: string
          notes?: string | null
          organization_id?: string | null
          owner_id?: string
          rd_id?: string | null
          subject: string
          type?: Database["public"]["Enums"]["tasks_type"]
          updated_at?: string
        }
        Update: {
          completed_at?: string | null
          contact_id?: string | null
          created_at?: string
          created_by?: string
          custom_fields?: Json
          deal_id?: string | null
          due_at?: string | null
          id?: string
          notes?: string | null
          organization_id?: string | null
          owner_id?: string
          rd_id?: string | null
          subject?: string
          type?: Database["public"]["Enums"]["tasks_type"]
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "tasks_contact_id_fkey"
            columns: ["contact_id"]
            isOneToOne: false
            referencedRelation: "contacts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "tasks_created_by_fkey"
            columns: ["created_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "tasks_deal_id_fkey"
            columns: ["deal_id"]
            isOneToOne: false
            referencedRelation: "deals"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "tasks_deal_id_fkey"
            columns: ["deal_id"]
            isOneToOne: false
            referencedRelation: "rotten_deals"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "tasks_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "tasks_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      teams: {
        Row: {
          created_at: string
          id: string
          name: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          id?: string
          name: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          id?: string
          name?: string
          updated_at?: string
        }
        Relationships: []
      }
      users: {
        Row: {
          avatar_url: string | null
          created_at: string
          email: string | null
          id: string
          is_active: boolean
          name: string
          phone: string | null
          role: Database["public"]["Enums"]["users_role"]
          team_id: string | null
          updated_at: string
        }
        Insert: {
          avatar_url?: string | null
          created_at?: string
          email?: string | null
          id: string
          is_active?: boolean
          name: string
          phone?: string | null
          role?: Database["public"]["Enums"]["users_role"]
          team_id?: string | null
          updated_at?: string
        }
        Update: {
          avatar_url?: string | null
          created_at?: string
          email?: string | null
          id?: string
          is_active?: boolean
          name?: string
          phone?: string | null
          role?: Database["public"]["Enums"]["users_role"]
          team_id?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "users_team_id_fkey"
            columns: ["team_id"]
            isOneToOne: false
            referencedRelation: "teams"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_deliveries: {
        Row: {
          attempts: number
          created_at: string
          delivered_at: string | null
          endpoint_id: string
          event_id: string
          id: string
          last_error: string | null
          lease_token: string | null
          locked_until: string | null
          next_attempt_at: string
          response_excerpt: string | null
          response_status: number | null
          status: Database["public"]["Enums"]["webhook_deliveries_status"]
          updated_at: string
        }
        Insert: {
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          endpoint_id: string
          event_id: string
          id?: string
          last_error?: string | null
          lease_token?: string | null
          locked_until?: string | null
          next_attempt_at?: string
          response_excerpt?: string | null
          response_status?: number | null
          status?: Database["public"]["Enums"]["webhook_deliveries_status"]
          updated_at?: string
        }
        Update: {
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          endpoint_id?: string
          event_id?: string
          id?: string
          last_error?: string | null
          lease_token?: string | null
          locked_until?: string | null
          next_attempt_at?: string
          response_excerpt?: string | null
          response_status?: number | null
          status?: Database["public"]["Enums"]["webhook_deliveries_status"]
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_deliveries_endpoint_id_fkey"
            columns: ["endpoint_id"]
            isOneToOne: false
            referencedRelation: "webhook_endpoints"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "webhook_deliveries_event_id_fkey"
            columns: ["event_id"]
            isOneToOne: false
            referencedRelation: "webhook_events"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_endpoints: {
        Row: {
          created_at: string
          description: string | null
          disabled_reason: string | null
          enabled: boolean
          event_types: string[]
          id: string
          updated_at: string
          url: string
        }
        Insert: {
          created_at?: string
          description?: string | null
          disabled_reason?: string | null
          enabled?: boolean
          event_types: string[]
          id?: string
          updated_at?: string
          url: string
        }
        Update: {
          created_at?: string
          description?: string | null
          disabled_reason?: string | null
          enabled?: boolean
          event_types?: string[]
          id?: string
          updated_at?: string
          url?: string
        }
        Relationships: []
      }
      webhook_events: {
        Row: {
          aggregate_id: string
          aggregate_type: string
          attempts: number
          created_at: string
          delivered_at: string | null
          event_type: string
          id: string
          last_error: string | null
          lease_token: string | null
          locked_until: string | null
          next_attempt_at: string
          occurred_at: string
          payload: Json
          status: Database["public"]["Enums"]["webhook_events_status"]
          updated_at: string
        }
        Insert: {
          aggregate_id: string
          aggregate_type: string
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          event_type: string
          id?: string
          last_error?: string | null
          lease_token?: string | null
          locked_until?: string | null
          next_attempt_at?: string
          occurred_at?: string
          payload: Json
          status?: Database["public"]["Enums"]["webhook_events_status"]
          updated_at?: string
        }
        Update: {
          aggregate_id?: string
          aggregate_type?: string
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          event_type?: string
          id?: string
          last_error?: string | null
          lease_token?: string | null
          locked_until?: string | null
          next_attempt_at?: string
          occurred_at?: string
          payload?: Json
          status?: Database["public"]["Enums"]["webhook_events_status"]
          updated_at?: string
        }
        Relationships: []
      }
    }
    Views: {
      rotten_deals: {
        Row: {
          id: string | null
          organization_id: string | null
          owner_id: string | null
          pipeline_id: string | null
          rotten_days: number | null
          stage_entered_at: string | null
          stage_id: string | null
          time_in_stage: unknown | null
          title: string | null
          value: number | null
        }
        Relationships: [
          {
            foreignKeyName: "deals_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deals_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "deals_stage_in_pipeline_fkey"
            columns: ["stage_id", "pipeline_id"]
            isOneToOne: false
            referencedRelation: "stages"
            referencedColumns: ["id", "pipeline_id"]
          },
        ]
      }
    }
    Functions: {
      claim_webhook_deliveries: {
        Args: { p_limit?: number; p_lease?: unknown; p_max_attempts?: number }
        Returns: {
          delivery_id: string
          lease_token: string
          attempts: number
          event_id: string
          event_type: string
          payload: Json
          endpoint_id: string
          url: string
          secret: string
        }[]
      }
      claim_webhook_events: {
        Args: { p_limit?: number; p_lease?: unknown }
        Returns: {
          aggregate_id: string
          aggregate_type: string
          attempts: number
          created_at: string
          delivered_at: string | null
          event_type: string
          id: string
          last_error: string | null
          lease_token: string | null
          locked_until: string | null
          next_attempt_at: string
          occurred_at: string
          payload: Json
          status: Database["public"]["Enums"]["webhook_events_status"]
          updated_at: string
        }[]
      }
      complete_webhook_delivery: {
        Args: {
          p_id: string
          p_lease_token: string
          p_response_status: number
          p_response_excerpt: string
        }
        Returns: boolean
      }
      complete_webhook_event: {
        Args: { p_id: string; p_lease_token: string }
        Returns: boolean
      }
      create_api_key: {
        Args: { p_name: string; p_scopes: string[]; p_expires_at?: string }
        Returns: string
      }
      fail_webhook_delivery: {
        Args: {
          p_id: string
          p_lease_token: string
          p_error: string
          p_response_status: number
          p_response_excerpt: string
          p_retry_in: unknown
        }
        Returns: boolean
      }
      fail_webhook_event: {
        Args: { p_id: string; p_lease_token: string; p_error: string }
        Returns: boolean
      }
      hit_rate_limit: {
        Args: { p_key: string; p_limit: number; p_window: unknown }
        Returns: boolean
      }
      is_valid_cnpj: {
        Args: { p_cnpj: string }
        Returns: boolean
      }
      is_valid_contact_list: {
        Args: { p_list: Json }
        Returns: boolean
      }
      normalize_cnpj: {
        Args: { p_cnpj: string }
        Returns: string
      }
      pipeline_metrics: {
        Args: { p_pipeline: string }
        Returns: {
          pipeline_id: string
          stage_id: string
          deal_count: number
          total_value: number
          avg_value: number
          weighted_value: number
        }[]
      }
      reassign_owner: {
        Args: { p_from: string; p_to: string }
        Returns: Json
      }
      recompute_organization_revenue: {
        Args: { p_org?: string }
        Returns: number
      }
      refresh_pipeline_metrics: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      release_webhook_delivery: {
        Args: { p_id: string; p_lease_token: string }
        Returns: boolean
      }
      replay_webhook_deliveries: {
        Args: {
          p_from: string
          p_to: string
          p_endpoint_id?: string
          p_event_type?: string
        }
        Returns: number
      }
      replay_webhook_events: {
        Args: { p_from: string; p_to: string; p_event_type?: string }
        Returns: number
      }
      restore: {
        Args: { p_table: string; p_id: string }
        Returns: boolean
      }
      soft_delete: {
        Args: { p_table: string; p_id: string }
        Returns: boolean
      }
      verify_api_key: {
        Args: { p_key: string }
        Returns: {
          api_key_id: string
          owner_id: string
          scopes: string[]
        }[]
      }
    }
    Enums: {
      audit_log_action: "INSERT" | "UPDATE" | "DELETE"
      deal_products_discount_type: "percentage" | "value"
      deals_status: "open" | "won" | "lost"
      tasks_type:
        | "call"
        | "email"
        | "meeting"
        | "whatsapp"
        | "task"
        | "visit"
        | "lunch"
      users_role: "admin" | "manager" | "seller"
      webhook_deliveries_status: "pending" | "processing" | "delivered" | "dead"
      webhook_events_status: "pending" | "processing" | "delivered" | "dead"
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<
  keyof Database,
  "public"
>]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {
      audit_log_action: ["INSERT", "UPDATE", "DELETE"],
      deal_products_discount_type: ["percentage", "value"],
      deals_status: ["open", "won", "lost"],
      tasks_type: ["call", "email", "meeting", "whatsapp", "task", "visit", "lunch"],
      users_role: ["admin", "manager", "seller"],
      webhook_deliveries_status: ["pending", "processing", "delivered", "dead"],
      webhook_events_status: ["pending", "processing", "delivered", "dead"],
    },
  },
} as const
